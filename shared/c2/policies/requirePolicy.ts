import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { OPERATION_ID } from '../operations/newOperationId.js';
import type { PolicyRecord } from './PolicyRecord.js';
import { policyStoreOf } from './policyStoreOf.js';

/** The tenant's policy of that id (ids look like operation ids); NOT_FOUND when there is none. */
export async function requirePolicy(deps: C2Deps, tenantId: string, id: string): Promise<PolicyRecord> {
  if (typeof id !== 'string' || !OPERATION_ID.test(id)) {
    throw new C2Error(
      C2ErrorCode.NotFound,
      'no policy with that id (a policy id is 26 characters of Crockford base32)',
    );
  }
  const record = await policyStoreOf(deps).getPolicy(tenantId, id);
  if (!record) throw new C2Error(C2ErrorCode.NotFound, `no policy with id ${id}`);
  return record;
}
