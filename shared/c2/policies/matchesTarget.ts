/**
 * Whether a topic or a client is one a policy's target names: by its exact name, by a plain string prefix (no
 * pattern: `sensors/` matches `sensors/a`, and `.` or `*` are only characters), or `allTopics` for every topic.
 * A topic never matches a client target, nor a client a topic target; `tenant` matches neither.
 */
import type { PolicyTarget } from '../schemas/policies.js';

export type TargetSubject = { readonly topic: string } | { readonly client: string };

export function matchesTarget(target: PolicyTarget, subject: TargetSubject): boolean {
  if ('topic' in subject) {
    if ('topic' in target) return target.topic === subject.topic;
    if ('topicPrefix' in target) return subject.topic.startsWith(target.topicPrefix);
    return 'allTopics' in target;
  }
  if ('client' in target) return target.client === subject.client;
  if ('clientPrefix' in target) return subject.client.startsWith(target.clientPrefix);
  return false;
}
