/**
 * How the OperationStore's records map to items of the single table (see keyStoreTable.ts), next to the KeyStore's:
 * - `O#<operation id>` an operation (ids sort by creation time: a reversed query lists the newest first); its counts
 *   are five number attributes (`cTotal`, `cPending`, `cSent`, `cConfirmed`, `cFailed`) so that delivery batches can
 *   add to them atomically; `parentId` and `optRekey` (its options) when it has them;
 * - `D#<operation id>#<hex client id>` one device's delivery, in client id order within its operation;
 * - `I#<idempotency key>` the operation an idempotency key made (a day, on `expiresAt`);
 * - `R#<hex client id>#<hex command hash>` the delivery a published command belongs to (a day), for receipts.
 * Operations and deliveries expire with the event log's retention (`expiresAt`, the table's TTL).
 */

import type {
  CommandRef,
  DeliveryCounts,
  DeliveryRecord,
  DeliveryState,
  OperationKind,
  OperationRecord,
  OperationStatus,
} from '../../c2/ports/OperationStore.js';
import { bytesToHex, equalBytes, hashIdAlias } from '../../e4/index.js';
import type { ItemRange } from './keyStoreItems.js';
import { CLIENTS, type Item } from './keyStoreItems.js';

export const OPERATIONS_PREFIX = 'O#';
export const DELIVERIES_PREFIX = 'D#';
export const IDEMPOTENCY_PREFIX = 'I#';
export const COMMAND_REFS_PREFIX = 'R#';

/** Operation ids and idempotency keys are part of sort keys: printable, no `#`, short. */
const OPERATION_ID = /^[0-9A-Za-z_-]{1,64}$/;
/** A caller's key is up to 128 characters, stored with a prefix of its namespace (`api:`). */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,160}$/;

export const isOperationId = (id: string): boolean => OPERATION_ID.test(id);
export const isIdempotencyKey = (key: string): boolean => IDEMPOTENCY_KEY.test(key);

export const operationKey = (id: string): string => OPERATIONS_PREFIX + id;
export const deliveriesOf = (operationId: string): string => `${DELIVERIES_PREFIX}${operationId}#`;
export const deliveryKey = (operationId: string, clientName: string): string =>
  deliveriesOf(operationId) + CLIENTS.keyOf(clientName);
export const idempotencyItemKey = (key: string): string => IDEMPOTENCY_PREFIX + key;

/** The attribute of each count. */
export const COUNT_ATTRIBUTES: Record<keyof DeliveryCounts, string> = {
  total: 'cTotal',
  pending: 'cPending',
  sent: 'cSent',
  confirmed: 'cConfirmed',
  failed: 'cFailed',
};

/** The attribute of each amount a CountsDelta may change: the counts, and the operation's `confirmable`. */
export const DELTA_ATTRIBUTES: Record<keyof DeliveryCounts | 'confirmable', string> = {
  ...COUNT_ATTRIBUTES,
  confirmable: 'cConfirmable',
};

const DAY_SECONDS = 86_400;

/** Epoch seconds `days` after the ISO time `at` (the TTL attribute). */
export function expiresAt(at: string, days: number): string {
  const ms = Date.parse(at);
  if (!Number.isFinite(ms)) throw new RangeError(`"${at}" is not a date`);
  return String(Math.floor(ms / 1000) + days * DAY_SECONDS);
}

export function countsItem(counts: DeliveryCounts): Item {
  return Object.fromEntries(
    Object.entries(COUNT_ATTRIBUTES).map(([field, attribute]) => [
      attribute,
      { N: String(counts[field as keyof DeliveryCounts]) },
    ]),
  );
}

export function operationItem(r: OperationRecord, retentionDays: number): Item {
  if (!isOperationId(r.id)) throw new RangeError(`operation id "${r.id}" is not [0-9A-Za-z_-]{1,64}`);
  return {
    id: { S: r.id },
    kind: { S: r.kind },
    targetType: { S: r.target.type },
    targetName: { S: r.target.name },
    ...(r.target.link === undefined
      ? {}
      : { linkTopic: { S: r.target.link.topic }, linkClient: { S: r.target.link.client } }),
    ...(r.keyVersion === undefined ? {} : { keyVersion: { N: String(r.keyVersion) } }),
    actor: { S: r.actor },
    ...(r.parentId === undefined ? {} : { parentId: { S: r.parentId } }),
    ...(r.options?.rekey === undefined ? {} : { optRekey: { BOOL: r.options.rekey } }),
    createdAt: { S: r.createdAt },
    updatedAt: { S: r.updatedAt },
    ...(r.finishedAt === undefined ? {} : { finishedAt: { S: r.finishedAt } }),
    status: { S: r.status },
    ...countsItem(r.counts),
    ...(r.confirmable === undefined ? {} : { cConfirmable: { N: String(r.confirmable) } }),
    ...(r.error === undefined ? {} : { errorCode: { S: r.error.code }, errorMessage: { S: r.error.message } }),
    ...(r.wrappedKey === undefined ? {} : { wrappedKey: { B: r.wrappedKey } }),
    ...(r.cursor === undefined ? {} : { fanOutCursor: { S: r.cursor } }),
    revision: { N: String(r.revision) },
    expiresAt: { N: expiresAt(r.createdAt, retentionDays) },
  };
}

export const OPERATIONS: ItemRange<OperationRecord> = {
  prefix: OPERATIONS_PREFIX,
  newestFirst: true,
  fromItem: (tenantId, item) => ({
    tenantId,
    id: item.id!.S!,
    kind: item.kind!.S! as OperationKind,
    target: {
      type: item.targetType!.S! as OperationRecord['target']['type'],
      name: item.targetName!.S!,
      ...(item.linkTopic ? { link: { topic: item.linkTopic.S!, client: item.linkClient!.S! } } : {}),
    },
    ...(item.keyVersion ? { keyVersion: Number(item.keyVersion.N) } : {}),
    actor: item.actor!.S!,
    ...(item.parentId ? { parentId: item.parentId.S! } : {}),
    ...(item.optRekey ? { options: { rekey: item.optRekey.BOOL! } } : {}),
    createdAt: item.createdAt!.S!,
    updatedAt: item.updatedAt!.S!,
    ...(item.finishedAt ? { finishedAt: item.finishedAt.S! } : {}),
    status: item.status!.S! as OperationStatus,
    counts: Object.fromEntries(
      Object.entries(COUNT_ATTRIBUTES).map(([field, attribute]) => [field, Number(item[attribute]?.N ?? '0')]),
    ) as unknown as DeliveryCounts,
    ...(item.cConfirmable ? { confirmable: Number(item.cConfirmable.N) } : {}),
    ...(item.errorCode ? { error: { code: item.errorCode.S!, message: item.errorMessage?.S ?? '' } } : {}),
    ...(item.wrappedKey ? { wrappedKey: item.wrappedKey.B! } : {}),
    ...(item.fanOutCursor ? { cursor: item.fanOutCursor.S! } : {}),
    revision: Number(item.revision!.N),
  }),
};

export function deliveryItem(r: DeliveryRecord, retentionDays: number): Item {
  if (!isOperationId(r.operationId)) throw new RangeError(`operation id "${r.operationId}" is not valid`);
  if (!equalBytes(r.clientId, hashIdAlias(r.clientName))) {
    throw new RangeError(`delivery to "${r.clientName}": its client id is not the SHA3-256 of its name`);
  }
  return {
    operationId: { S: r.operationId },
    clientName: { S: r.clientName },
    clientId: { B: r.clientId },
    state: { S: r.state },
    attempts: { N: String(r.attempts) },
    ...(r.lastError === undefined ? {} : { lastError: { S: r.lastError } }),
    ...(r.commandHash === undefined ? {} : { commandHash: { B: r.commandHash } }),
    ...(r.confirmedVia === undefined ? {} : { confirmedVia: { S: r.confirmedVia } }),
    updatedAt: { S: r.updatedAt },
    expiresAt: { N: expiresAt(r.updatedAt, retentionDays) },
  };
}

export function deliveryFromItem(tenantId: string, item: Item): DeliveryRecord {
  return {
    tenantId,
    operationId: item.operationId!.S!,
    clientName: item.clientName!.S!,
    clientId: item.clientId!.B!,
    state: item.state!.S! as DeliveryState,
    attempts: Number(item.attempts!.N),
    ...(item.lastError ? { lastError: item.lastError.S! } : {}),
    ...(item.commandHash ? { commandHash: item.commandHash.B! } : {}),
    ...(item.confirmedVia ? { confirmedVia: item.confirmedVia.S! } : {}),
    updatedAt: item.updatedAt!.S!,
  };
}

/** The deliveries of one operation, in client id order. */
export const deliveriesRange = (operationId: string): ItemRange<DeliveryRecord> => ({
  prefix: deliveriesOf(operationId),
  fromItem: deliveryFromItem,
});

/** How long a command is matched to its delivery. */
export const COMMAND_REF_DAYS = 1;

export const commandRefKey = (clientId: Uint8Array, commandHash: Uint8Array): string =>
  `${COMMAND_REFS_PREFIX}${bytesToHex(clientId)}#${bytesToHex(commandHash)}`;

export function commandRefItem(r: CommandRef): Item {
  if (!isOperationId(r.operationId)) throw new RangeError(`operation id "${r.operationId}" is not valid`);
  return {
    operationId: { S: r.operationId },
    clientName: { S: r.clientName },
    at: { S: r.at },
    expiresAt: { N: expiresAt(r.at, COMMAND_REF_DAYS) },
    ...(r.topicKey ? { topic: { S: r.topicKey.topic }, topicKeyVersion: { N: String(r.topicKey.keyVersion) } } : {}),
    ...(r.confirmsPending ? { confirmsPending: { BOOL: true } } : {}),
    ...(r.counted ? { counted: { BOOL: true } } : {}),
  };
}

export function commandRefFromItem(
  tenantId: string,
  clientId: Uint8Array,
  commandHash: Uint8Array,
  item: Item,
): CommandRef {
  return {
    tenantId,
    clientId,
    commandHash,
    operationId: item.operationId!.S!,
    clientName: item.clientName!.S!,
    at: item.at!.S!,
    ...(item.topic && item.topicKeyVersion
      ? { topicKey: { topic: item.topic.S!, keyVersion: Number(item.topicKeyVersion.N) } }
      : {}),
    ...(item.confirmsPending?.BOOL ? { confirmsPending: true } : {}),
    ...(item.counted?.BOOL ? { counted: true } : {}),
  };
}
