/**
 * The names a policy's target stands for now: the topic or client it names (whether or not it exists: the run
 * reports a missing one), every topic or client under its prefix or all topics (read through the store's lists, a
 * page of 100 at a time, and matchesTarget), or the tenant itself for the C2 key. At most `max` names: past it,
 * INVALID_INPUT before anything starts (a run of thousands of operations is a job for a narrower prefix).
 */
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { eachPage } from '../pages.js';
import { matchesTarget } from './matchesTarget.js';
import type { PolicyTarget } from './PolicyRecord.js';

export type TargetNames =
  | { readonly kind: 'topic'; readonly names: string[] }
  | { readonly kind: 'client'; readonly names: string[] }
  | { readonly kind: 'tenant' };

export async function policyTargetNames(
  deps: C2Deps,
  tenantId: string,
  target: PolicyTarget,
  max: number,
): Promise<TargetNames> {
  if ('topic' in target) return { kind: 'topic', names: [target.topic] };
  if ('client' in target) return { kind: 'client', names: [target.client] };
  if ('tenant' in target) return { kind: 'tenant' };
  const names: string[] = [];
  const keep = (name: string) => {
    names.push(name);
    if (names.length > max) {
      throw new C2Error(C2ErrorCode.InvalidInput, `the target matches more than ${max} names: narrow its prefix`);
    }
  };
  if ('clientPrefix' in target) {
    for await (const clients of eachPage((page) => deps.store.listClients(tenantId, page))) {
      for (const { name } of clients) if (matchesTarget(target, { client: name })) keep(name);
    }
    return { kind: 'client', names };
  }
  for await (const topics of eachPage((page) => deps.store.listTopics(tenantId, page))) {
    for (const { topic } of topics) if (matchesTarget(target, { topic })) keep(topic);
  }
  return { kind: 'topic', names };
}
