/**
 * A tenant's rotation policy as stored: the fields it was created or replaced with (checked by PolicyInputSchema,
 * schemas/policies.ts, whose output is this shape: the schema module fails to compile when the two part), with its
 * id, times and a revision for optimistic concurrency (incremented by every change). Plain types, so that the
 * PolicyStore port depends on no schema.
 */

export type PolicyAction = 'rotate-topic-key' | 'new-client-key' | 'rotate-c2-key';

export type PolicyTarget =
  | { topic: string }
  | { topicPrefix: string }
  | { allTopics: true }
  | { client: string }
  | { clientPrefix: string }
  | { tenant: true };

export interface PolicySchedule {
  /** An EventBridge Scheduler expression (parseSchedule.ts). */
  expression: string;
  /** IANA time zone of `cron` and `at` (default UTC). */
  timezone?: string;
  flexibleWindowMinutes?: number;
}

export type PolicyEvent =
  | { type: 'client.subscribed' | 'client.unsubscribed'; count: number }
  | { type: 'client.removed'; delayMinutes?: number; batchMinutes?: number }
  | { type: 'key.age'; days: number };

/** What a policy is made of (a request's body, once checked). */
export interface PolicyFields {
  name: string;
  target: PolicyTarget;
  action: PolicyAction;
  schedule?: PolicySchedule;
  events?: PolicyEvent[];
  enabled: boolean;
}

export interface PolicyRecord extends PolicyFields {
  readonly id: string;
  readonly tenantId: string;
  /** ISO 8601, UTC: also the anchor of a `rate` schedule (its first run comes one period later). */
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly revision: number;
}
