/**
 * A policy naming one topic or client must name one that exists (NOT_FOUND, saying so): a typo would otherwise make
 * a policy whose every run fails. Prefixes and all topics match whatever exists when a run comes, none included.
 * Deleting that topic or client deletes the policy (deletePoliciesNaming.ts).
 */
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import type { PolicyTarget } from './PolicyRecord.js';

export async function requireTargetExists(deps: C2Deps, tenantId: string, target: PolicyTarget): Promise<void> {
  if ('topic' in target && !(await deps.store.getTopic(tenantId, target.topic))) {
    throw new C2Error(C2ErrorCode.NotFound, `target: no topic "${target.topic}" (create it first, or name a prefix)`);
  }
  if ('client' in target && !(await deps.store.getClient(tenantId, target.client))) {
    throw new C2Error(C2ErrorCode.NotFound, `target: no client "${target.client}" (create it first, or name a prefix)`);
  }
}
