/**
 * Operations of the C2 (issue "key operations that always finish"): every change that sends commands to devices is
 * recorded as an operation before anything is sent, with one delivery record per device (a topic operation's first
 * pass writes a device's record with its outcome: shared/c2/operations/linkPass.ts). This port stores them.
 * Records carry no key bytes except an operation's `wrappedKey` (the key it installs, enveloped by the KeyVault like
 * every stored key), which no view returns. Failures are C2Errors: ALREADY_EXISTS, NOT_FOUND, CONCURRENT_UPDATE, INVALID_CURSOR,
 * INVALID_INPUT.
 */
import type { Page, PageRequest } from '../ports.js';
import type { OperationSlotStore } from './OperationSlotStore.js';

export const OPERATION_KINDS = [
  'topic.rotate',
  'link.delete',
  'client.delete',
  'client.reset',
  'client.identityKey',
  'c2key.rotate',
  'client.resync',
  'topic.delete',
  'tenant.delete',
] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

export const OPERATION_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'partial'] as const;
/**
 * `pending` recorded, nothing sent yet; `running` fan-out under way; `succeeded` every device `sent` or `confirmed`;
 * `partial` the fan-out ended with some devices `failed`; `failed` it could not start (e.g. the key was not stored).
 */
export type OperationStatus = (typeof OPERATION_STATUSES)[number];

export const DELIVERY_STATES = ['pending', 'sent', 'confirmed', 'failed'] as const;
/** `sent`: the broker took the command; `confirmed`: the device applied and saved it (a receipt). */
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** How many devices of an operation are in each state (`total` = the sum of the four). */
export interface DeliveryCounts {
  readonly total: number;
  readonly pending: number;
  readonly sent: number;
  readonly confirmed: number;
  readonly failed: number;
}

export interface OperationTarget {
  readonly type: 'topic' | 'client' | 'link' | 'c2key' | 'tenant';
  /** The topic or client name; a link is `<topic> <client>`, as in the event log. */
  readonly name: string;
  /** A link's two ends (names may hold spaces: `name` is for people, these for the worker). */
  readonly link?: { readonly topic: string; readonly client: string };
}

export interface OperationOptions {
  /** A client's deletion or reset: re-key each of its topics for the clients that stay (default true). */
  readonly rekey?: boolean;
}

export interface OperationRecord {
  readonly tenantId: string;
  /** Sortable by creation time, unique: see operations/newOperationId.ts (26 characters, Crockford base32). */
  readonly id: string;
  readonly kind: OperationKind;
  readonly target: OperationTarget;
  /** The key version the operation installs, when it installs one. */
  readonly keyVersion?: number;
  /** Who asked (API key id, 'scheduler', ...): never a secret. */
  readonly actor: string;
  /**
   * The operation that started this one as one of its steps (a client's deletion starts a revocation per topic);
   * children are always created after their parent.
   */
  readonly parentId?: string;
  /** How the change was asked for, where that is more than its kind and target. */
  readonly options?: OperationOptions;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly finishedAt?: string;
  readonly status: OperationStatus;
  readonly counts: DeliveryCounts;
  /**
   * How many of its devices can confirm: those known to send receipts (one was accepted before) when their command
   * first went out, and those whose first receipt confirmed it. Added to with the counts (`CountsDelta.confirmable`).
   */
  readonly confirmable?: number;
  /** Why it failed or ended partial (a C2 error code and message; never key bytes). */
  readonly error?: { readonly code: string; readonly message: string };
  /**
   * The key the operation installs, minted once and enveloped by the KeyVault (so that a re-run or a retry sends the
   * same key). Stored, never part of a view.
   */
  readonly wrappedKey?: Uint8Array;
  /**
   * Where the fan-out stands: the cursor of the next page of deliveries (absent before the first page, and once the
   * fan-out has gone through them all).
   */
  readonly cursor?: string;
  /** Starts at 1; each {@link OperationStore.updateOperation} increments it (optimistic concurrency). */
  readonly revision: number;
}

/** What {@link OperationStore.updateOperation} may change. */
export interface OperationUpdate {
  readonly status?: OperationStatus;
  /**
   * Replaces the counts: when a fan-out is prepared (its total known), never while delivery batches add to them
   * ({@link OperationStore.addToCounts}).
   */
  readonly counts?: DeliveryCounts;
  /** `null` removes it (an operation retried). */
  readonly finishedAt?: string | null;
  readonly error?: { readonly code: string; readonly message: string } | null;
  readonly keyVersion?: number;
  /** The fan-out's new position; `null` removes it. */
  readonly cursor?: string | null;
  /**
   * Added to the counts in the same atomic write (a page of the fan-out moves its cursor and counts together, so
   * that a page handled twice counts once). With `counts`, only `confirmable` (the counts are set, not added to).
   */
  readonly countsDelta?: CountsDelta;
  readonly updatedAt: string;
}

/**
 * A change of some counts (and of `confirmable`, see OperationRecord) by these amounts (may be negative): e.g.
 * `{ pending: -100, sent: 98, failed: 2, confirmable: 40 }`.
 */
export type CountsDelta = Partial<Record<keyof DeliveryCounts | 'confirmable', number>>;

/** One device of an operation. */
export interface DeliveryRecord {
  readonly tenantId: string;
  readonly operationId: string;
  readonly clientName: string;
  /** E4 id of the client (SHA3-256(name)[0:16]). */
  readonly clientId: Uint8Array;
  readonly state: DeliveryState;
  /** Commands published for it so far (re-sends included). */
  readonly attempts: number;
  /** Why the last attempt failed (no key bytes). */
  readonly lastError?: string;
  /**
   * The hash of the last command published for it (SHA3-256 of the protected frame, first 16 bytes): what the
   * device's receipt names.
   */
  readonly commandHash?: Uint8Array;
  /**
   * A `confirmed` delivery the device confirmed through another operation's command (its id): the topic key this
   * operation installed, sent again by a resync (acceptReceipts.ts); absent when its own command was confirmed.
   */
  readonly confirmedVia?: string;
  /** ISO 8601. */
  readonly updatedAt: string;
}

/** A conditional change of one delivery: applied only if its state is still one of `from`. */
export interface DeliveryTransition {
  readonly clientName: string;
  readonly from: readonly DeliveryState[];
  readonly to: DeliveryState;
  /** Added to `attempts` (e.g. 1 for a publish). */
  readonly addAttempts?: number;
  /** Set when given; removed when the new state is `sent` or `confirmed` and none is given. */
  readonly lastError?: string;
  /** Set when given (the hash of the command published, see {@link DeliveryRecord.commandHash}). */
  readonly commandHash?: Uint8Array;
  readonly updatedAt: string;
  /**
   * Also when the delivery has no record yet, which is then created in `to` (a topic operation's first pass writes
   * a delivery only with its outcome: until then it is `pending` without a record).
   */
  readonly orAbsent?: boolean;
}

/** What {@link OperationStore.confirmDelivery} is asked: the states to confirm from, and what a new record holds. */
export interface DeliveryConfirmation {
  readonly from: readonly DeliveryState[];
  readonly orAbsent?: boolean;
  /** Taken by a record without one (the command confirmed); absent with `via` (another operation's command). */
  readonly commandHash?: Uint8Array;
  /** The operation whose command the device confirmed, when not this one (see DeliveryRecord.confirmedVia). */
  readonly via?: string;
  readonly updatedAt: string;
}

/**
 * A command published for a delivery: what a device's receipt, which names the command by its hash, is matched to.
 * Kept a day (a receipt comes within seconds of the command, or after the device's next connection).
 */
export interface CommandRef {
  readonly tenantId: string;
  /** E4 id of the client the command went to. */
  readonly clientId: Uint8Array;
  /** See {@link DeliveryRecord.commandHash}. */
  readonly commandHash: Uint8Array;
  readonly operationId: string;
  readonly clientName: string;
  /** ISO 8601: when it was published. */
  readonly at: string;
  /**
   * The topic key the command carried, when the operation's own target does not say it (a resync sends a client
   * the keys of several topics): what the device's receipt records on its link (see LinkRecord.confirmed).
   */
  readonly topicKey?: { readonly topic: string; readonly keyVersion: number };
  /**
   * The delivery's outcome is written conditionally (from `pending`, see sendTopicKeyPage.ts): a receipt that comes
   * before it may confirm the delivery while it is still `pending`.
   */
  readonly confirmsPending?: boolean;
  /**
   * The device was counted in the operation's `confirmable` when the command went out (it was known to send
   * receipts): its receipt does not count it again. A receipt through a reference without it counts the device.
   */
  readonly counted?: boolean;
}

/** What names a command reference: the client and the command's hash. */
export type CommandRefKey = Pick<CommandRef, 'clientId' | 'commandHash'>;

export interface OperationFilter {
  readonly status?: OperationStatus;
  readonly kind?: OperationKind;
  readonly target?: OperationTarget;
  /** The children of that operation (see {@link OperationRecord.parentId}). */
  readonly parentId?: string;
}

export interface OperationStore extends OperationSlotStore {
  /**
   * Records a new operation. Without an idempotency key an id taken already is ALREADY_EXISTS. With one, the first
   * create of that key (per tenant, for a day) stores `record`; a later one returns the operation stored then
   * (`created: false`), whatever the new record's id; a key reused for another kind or target is INVALID_INPUT.
   */
  createOperation(
    record: OperationRecord,
    options?: { readonly idempotencyKey?: string },
  ): Promise<{ operation: OperationRecord; created: boolean }>;
  getOperation(tenantId: string, id: string): Promise<OperationRecord | undefined>;
  /**
   * The records of those operations of the tenant that exist (an id of none is left out; each read once), in no
   * order: read in batches (BatchGetItem, 100 keys a call, strongly consistent).
   */
  getOperations(tenantId: string, ids: readonly string[]): Promise<OperationRecord[]>;
  /** The operation an idempotency key of the tenant names, if it was recorded (an expired key may still name one). */
  operationOfIdempotencyKey(tenantId: string, idempotencyKey: string): Promise<OperationRecord | undefined>;
  /**
   * Newest first, those matching every field of `filter`. A page may hold fewer than `limit` items while a cursor
   * says more may follow (the filter is applied as the store reads).
   */
  listOperations(tenantId: string, filter: OperationFilter, page: PageRequest): Promise<Page<OperationRecord>>;
  /**
   * Changes status, counts, finishedAt, error if the stored revision is still `expectedRevision` (else
   * CONCURRENT_UPDATE; NOT_FOUND without the operation); returns the record as stored, its revision incremented.
   */
  updateOperation(
    tenantId: string,
    id: string,
    update: OperationUpdate,
    expectedRevision: number,
  ): Promise<OperationRecord>;
  /**
   * Adds `delta` to the counts atomically, whatever the revision (concurrent delivery batches each add their own
   * transitions, never conflicting); NOT_FOUND without the operation. Returns the record as stored.
   */
  addToCounts(tenantId: string, id: string, delta: CountsDelta, updatedAt: string): Promise<OperationRecord>;

  /**
   * Writes delivery records as given (created or replaced), many per request: for the records of a fan-out before it
   * starts. Each must belong to an existing operation of the same tenant (not checked: the caller created it).
   */
  putDeliveries(deliveries: readonly DeliveryRecord[]): Promise<void>;
  /**
   * Applies each transition whose delivery exists and is in one of its `from` states; returns the records it changed
   * (as stored after the change), in the order given. The caller adds to the counts exactly those.
   */
  transitionDeliveries(
    tenantId: string,
    operationId: string,
    transitions: readonly DeliveryTransition[],
  ): Promise<DeliveryRecord[]>;
  /**
   * A receipt's transition, in one write: the delivery moved to `confirmed` from one of `from` (with `orAbsent`,
   * also created `confirmed` when it has no record yet), keeping its attempts and command hash, or taking 1 and
   * `commandHash` when it has none; with `via`, recording it (the command hash left as it is). Returns the state it left (`pending` for one it created), or undefined when it
   * was in none of them (the caller adds to the counts only what this returned).
   */
  confirmDelivery(
    tenantId: string,
    operationId: string,
    clientName: string,
    confirm: DeliveryConfirmation,
  ): Promise<DeliveryState | undefined>;
  getDelivery(tenantId: string, operationId: string, clientName: string): Promise<DeliveryRecord | undefined>;
  /** The records of those clients' deliveries that exist (any order; a name given twice is read once). */
  getDeliveries(tenantId: string, operationId: string, clientNames: readonly string[]): Promise<DeliveryRecord[]>;
  /** The deliveries of an operation in client id order, only those in `state` when given (short pages as above). */
  listDeliveries(
    tenantId: string,
    operationId: string,
    filter: { readonly state?: DeliveryState },
    page: PageRequest,
  ): Promise<Page<DeliveryRecord>>;

  /** Records commands about to be published (many per request), before they are: a receipt may come at once. */
  putCommandRefs(refs: readonly CommandRef[]): Promise<void>;
  /** The references of those commands that have one (each once, in no order). */
  getCommandRefs(tenantId: string, keys: readonly CommandRefKey[]): Promise<CommandRef[]>;
}
