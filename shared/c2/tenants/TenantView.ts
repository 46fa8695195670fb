/** What the platform API shows of a tenant: its registry item, and the operation deleting it while it is `deleting`. */
import type { OperationView } from '../operations/OperationView.js';
import type { TenantRecord } from '../ports/TenantRegistry.js';

export interface TenantView extends Omit<TenantRecord, 'deletionId'> {
  readonly deletion?: OperationView;
}

export function tenantView(record: TenantRecord, deletion?: OperationView): TenantView {
  const { deletionId: _id, ...fields } = record;
  return { ...fields, ...(deletion ? { deletion } : {}) };
}
