/**
 * The slots of a tenant's quota of operations in progress (`maxConcurrentOperations`, see
 * operations/operationSlots.ts): slot `n` (0 to the limit - 1) is one item while an operation holds it. A slot is
 * taken with a conditional write (only if free), so that however many requests start operations at once, no two
 * hold the same slot and never more than the limit are held; it is freed only by the operation holding it.
 */

export interface OperationSlot {
  /** 0 to the limit - 1. */
  readonly slot: number;
  readonly operationId: string;
  /** ISO 8601: when it was taken (a slot of an operation never recorded is reclaimed after a while). */
  readonly takenAt: string;
}

export interface OperationSlotStore {
  /** The slots held by the tenant's operations, in slot order (strongly consistent). */
  listOperationSlots(tenantId: string): Promise<OperationSlot[]>;
  /** Takes `slot.slot` for `slot.operationId` if it is free; false when it is held. */
  takeOperationSlot(tenantId: string, slot: OperationSlot): Promise<boolean>;
  /** Frees `slot` if `operationId` holds it; nothing otherwise. */
  freeOperationSlot(tenantId: string, slot: number, operationId: string): Promise<void>;
}
