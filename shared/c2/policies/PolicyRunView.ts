/** What the API shows of a policy's run: the record without its tenant and policy (the path names them). */
import type { PolicyRunRecord } from '../ports/PolicyStore.js';

export interface PolicyRunView
  extends Omit<PolicyRunRecord, 'tenantId' | 'policyId' | 'operations' | 'moreOperationIds'> {
  readonly operations: { id: string; target: { type: string; name: string } }[];
  readonly moreOperationIds?: string[];
}

export function policyRunView(run: PolicyRunRecord): PolicyRunView {
  const { tenantId: _, policyId: __, operations, moreOperationIds, ...view } = run;
  return {
    ...view,
    operations: operations.map(({ id, target }) => ({ id, target: { type: target.type, name: target.name } })),
    ...(moreOperationIds ? { moreOperationIds: [...moreOperationIds] } : {}),
  };
}
