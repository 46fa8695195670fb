/** A device's delivery as an operation plans it, before anything is sent: `pending`, no attempt yet. */
import { hashIdAlias } from '../../e4/index.js';
import type { DeliveryRecord, OperationRecord } from '../ports/OperationStore.js';

export const pendingDelivery = (
  operation: Pick<OperationRecord, 'tenantId' | 'id'>,
  clientName: string,
  updatedAt: string,
): DeliveryRecord => ({
  tenantId: operation.tenantId,
  operationId: operation.id,
  clientName,
  clientId: hashIdAlias(clientName),
  state: 'pending',
  attempts: 0,
  updatedAt,
});
