/**
 * A tenant's rotation policy as stored: the input it was created or replaced with (schemas/policies.ts), with its
 * id, times and a revision for optimistic concurrency (incremented by every change).
 */
import type { PolicyInput } from '../schemas/policies.js';

export interface PolicyRecord extends PolicyInput {
  readonly id: string;
  readonly tenantId: string;
  /** ISO 8601, UTC: also the anchor of a `rate` schedule (its first run comes one period later). */
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly revision: number;
}
