/**
 * What the API shows of an operation and of its deliveries: progress, never the key it installs (`wrappedKey`), the
 * fan-out's position (`cursor`) or its concurrency counter (`revision`), nor the hash of a delivery's command.
 */
import { bytesToHex } from '../../e4/index.js';
import type {
  DeliveryCounts,
  DeliveryRecord,
  DeliveryState,
  OperationKind,
  OperationRecord,
  OperationStatus,
  OperationTarget,
} from '../ports/OperationStore.js';

/** How many of the devices that can confirm (send receipts) did: `percent` 0..100, floored (100 = all of them). */
export interface ConfirmationView {
  readonly confirmable: number;
  readonly confirmed: number;
  readonly percent: number;
}

export interface OperationView {
  readonly id: string;
  readonly kind: OperationKind;
  readonly target: OperationTarget;
  readonly status: OperationStatus;
  /** The operation this one is a step of. */
  readonly parentId?: string;
  /** A client's deletion or reset: whether its topics are re-keyed. */
  readonly rekey?: boolean;
  readonly keyVersion?: number;
  readonly counts: DeliveryCounts;
  /** Absent while no device can confirm (none yet, or an operation without devices). */
  readonly confirmation?: ConfirmationView;
  readonly actor: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly finishedAt?: string;
  readonly error?: { readonly code: string; readonly message: string };
}

export interface DeliveryView {
  /** The client's name and hex E4 id (`/v1/clients/{id}`). */
  readonly client: { readonly name: string; readonly id: string };
  readonly state: DeliveryState;
  readonly attempts: number;
  readonly lastError?: string;
  /** Confirmed through another operation's command (a resync's): its id. */
  readonly confirmedVia?: string;
  readonly updatedAt: string;
}

/**
 * The devices that can confirm and how many did: those known to send receipts when their command went out, and those
 * whose first receipt came since (`record.confirmable`); never fewer than those that confirmed. Devices that never
 * send receipts (e4go) are not among them: they do not hold the percentage down. None yet: no figure.
 */
export function confirmationOf(record: Pick<OperationRecord, 'counts' | 'confirmable'>): ConfirmationView | undefined {
  const { counts } = record;
  const confirmable = Math.min(counts.total, Math.max(record.confirmable ?? 0, counts.confirmed));
  if (confirmable <= 0) return undefined;
  // Within 0..confirmable whatever the counts say (they are shown as stored), so the view always reads.
  const confirmed = Math.max(0, Math.min(counts.confirmed, confirmable));
  return { confirmable, confirmed, percent: Math.floor((confirmed * 100) / confirmable) };
}

export function operationView(record: OperationRecord): OperationView {
  const { id, kind, status, parentId, keyVersion, actor, createdAt, updatedAt, finishedAt, error } = record;
  const rekey = record.options?.rekey;
  const { total, pending, sent, confirmed, failed } = record.counts;
  const confirmation = confirmationOf(record);
  return {
    id,
    kind,
    target: { type: record.target.type, name: record.target.name },
    status,
    ...(parentId === undefined ? {} : { parentId }),
    ...(rekey === undefined ? {} : { rekey }),
    ...(keyVersion === undefined ? {} : { keyVersion }),
    counts: { total, pending, sent, confirmed, failed },
    ...(confirmation ? { confirmation } : {}),
    actor,
    createdAt,
    updatedAt,
    ...(finishedAt === undefined ? {} : { finishedAt }),
    ...(error ? { error: { code: error.code, message: error.message } } : {}),
  };
}

export function deliveryView(record: DeliveryRecord): DeliveryView {
  const { state, attempts, lastError, confirmedVia, updatedAt } = record;
  return {
    client: { name: record.clientName, id: bytesToHex(record.clientId) },
    state,
    attempts,
    ...(lastError === undefined ? {} : { lastError }),
    ...(confirmedVia === undefined ? {} : { confirmedVia }),
    updatedAt,
  };
}
