/**
 * A policy's target as the form edits it (a kind and a text) and as the API takes it (exactly one field), with the
 * action each kind implies: topics rotate their key, clients get a new key, the tenant rotates its C2 key.
 */
import type { Schemas } from '../api/api.js';

export type TargetKind = 'topic' | 'topicPrefix' | 'allTopics' | 'client' | 'clientPrefix' | 'tenant';

export const TARGET_KINDS: readonly { kind: TargetKind; label: string; needsText: boolean }[] = [
  { kind: 'topic', label: 'One topic', needsText: true },
  { kind: 'topicPrefix', label: 'Topics starting with…', needsText: true },
  { kind: 'allTopics', label: 'Every topic', needsText: false },
  { kind: 'client', label: 'One client', needsText: true },
  { kind: 'clientPrefix', label: 'Clients whose name starts with…', needsText: true },
  { kind: 'tenant', label: 'The C2 key (public-key mode)', needsText: false },
];

export function targetOf(kind: TargetKind, text: string): Schemas['PolicyTarget'] {
  switch (kind) {
    case 'allTopics':
      return { allTopics: true };
    case 'tenant':
      return { tenant: true };
    case 'topic':
      return { topic: text };
    case 'topicPrefix':
      return { topicPrefix: text };
    case 'client':
      return { client: text };
    case 'clientPrefix':
      return { clientPrefix: text };
  }
}

export function kindOf(target: Schemas['PolicyTarget']): { kind: TargetKind; text: string } {
  if ('topic' in target) return { kind: 'topic', text: target.topic };
  if ('topicPrefix' in target) return { kind: 'topicPrefix', text: target.topicPrefix };
  if ('allTopics' in target) return { kind: 'allTopics', text: '' };
  if ('client' in target) return { kind: 'client', text: target.client };
  if ('clientPrefix' in target) return { kind: 'clientPrefix', text: target.clientPrefix };
  return { kind: 'tenant', text: '' };
}

export function actionOf(kind: TargetKind): Schemas['PolicyInput']['action'] {
  if (kind === 'tenant') return 'rotate-c2-key';
  return kind.startsWith('client') ? 'new-client-key' : 'rotate-topic-key';
}

/** The target in words, for lists. */
export function describeTarget(target: Schemas['PolicyTarget']): string {
  const { kind, text } = kindOf(target);
  const label = TARGET_KINDS.find((k) => k.kind === kind)!.label;
  return text ? `${label.replace('…', '')} ${text}`.replace('One ', '') : label;
}
