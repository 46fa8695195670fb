/**
 * How the PolicyStore's records map to items of the single table (see keyStoreTable.ts), next to the KeyStore's and
 * the OperationStore's:
 * - `Y#<policy id>` a policy (ids sort by creation time); its target, schedule and events as JSON attributes;
 * - `Z#<policy id>#<run id>` one run of a policy (run ids sort by the run's time: a reversed query lists the newest
 *   first), kept with the event log's retention (`expiresAt`, the table's TTL).
 * - `V#<policy id>#<counter hash>` an event counter of a policy (DynamoEventCounter.ts), `W#<policy id>#<counter
 *   hash>#<event id>` the marker of an event it counted (kept 14 days, SQS's longest retention: a redelivery finds it),
 *   `U#<policy id>#<counter hash>` the open `client.removed` window of a counter (DynamoRemovalWindows.ts).
 * Runs have a letter of their own so that a `begins_with(SK, 'Y#')` query lists policies only.
 */
import { createHash } from 'node:crypto';
import type { PolicyRecord } from '../../c2/policies/PolicyRecord.js';
import type { PolicyRunRecord, RunEvent, RunOperation, RunOutcome, RunReason } from '../../c2/ports/PolicyStore.js';
import type { Item, ItemRange } from './keyStoreItems.js';
import { expiresAt } from './operationStoreItems.js';

export const POLICIES_PREFIX = 'Y#';
export const RUNS_PREFIX = 'Z#';

/** Policy and run ids are part of sort keys: printable, no `#`, short. */
const ID = /^[0-9A-Za-z_-]{1,64}$/;

export const isPolicyId = (id: string): boolean => ID.test(id);
export const policyKey = (id: string): string => POLICIES_PREFIX + id;
export const runsOf = (policyId: string): string => `${RUNS_PREFIX}${policyId}#`;
export const runKey = (policyId: string, runId: string): string => runsOf(policyId) + runId;

/** Event ids are part of a marker's sort key. */
const EVENT_ID = /^[0-9A-Za-z_.:-]{1,128}$/;
export const isEventId = (id: string): boolean => EVENT_ID.test(id);
/** A counter's name (any text) as 32 hex characters of its SHA3-256. */
const counterHash = (counter: string): string =>
  createHash('sha3-256').update(counter, 'utf8').digest('hex').slice(0, 32);
export const counterKey = (policyId: string, counter: string): string => `V#${policyId}#${counterHash(counter)}`;
export const markerKey = (policyId: string, counter: string, eventId: string): string =>
  `W#${policyId}#${counterHash(counter)}#${eventId}`;

export function policyItem(r: PolicyRecord): Item {
  if (!isPolicyId(r.id)) throw new RangeError(`policy id "${r.id}" is not [0-9A-Za-z_-]{1,64}`);
  return {
    id: { S: r.id },
    name: { S: r.name },
    target: { S: JSON.stringify(r.target) },
    action: { S: r.action },
    ...(r.schedule === undefined ? {} : { schedule: { S: JSON.stringify(r.schedule) } }),
    ...(r.events === undefined ? {} : { events: { S: JSON.stringify(r.events) } }),
    enabled: { BOOL: r.enabled },
    createdAt: { S: r.createdAt },
    updatedAt: { S: r.updatedAt },
    revision: { N: String(r.revision) },
  };
}

export const POLICIES: ItemRange<PolicyRecord> = {
  prefix: POLICIES_PREFIX,
  fromItem: (tenantId, item) => ({
    tenantId,
    id: item.id!.S!,
    name: item.name!.S!,
    target: JSON.parse(item.target!.S!) as PolicyRecord['target'],
    action: item.action!.S! as PolicyRecord['action'],
    ...(item.schedule ? { schedule: JSON.parse(item.schedule.S!) as PolicyRecord['schedule'] } : {}),
    ...(item.events ? { events: JSON.parse(item.events.S!) as PolicyRecord['events'] } : {}),
    enabled: item.enabled!.BOOL!,
    createdAt: item.createdAt!.S!,
    updatedAt: item.updatedAt!.S!,
    revision: Number(item.revision!.N),
  }),
};

export function runItem(r: PolicyRunRecord, retentionDays: number): Item {
  if (!isPolicyId(r.policyId) || !isPolicyId(r.id)) throw new RangeError(`run "${r.policyId}/${r.id}" is not valid`);
  return {
    policyId: { S: r.policyId },
    id: { S: r.id },
    at: { S: r.at },
    reason: { S: r.reason },
    ...(r.scheduledTime === undefined ? {} : { scheduledTime: { S: r.scheduledTime } }),
    ...(r.missed ? { missed: { BOOL: true } } : {}),
    ...(r.event === undefined ? {} : { event: { S: JSON.stringify(r.event) } }),
    actor: { S: r.actor },
    operations: { S: JSON.stringify(r.operations) },
    operationCount: { N: String(r.operationCount) },
    ...(r.moreOperationIds?.length ? { moreOperationIds: { S: JSON.stringify(r.moreOperationIds) } } : {}),
    outcome: { S: r.outcome },
    ...(r.error === undefined ? {} : { errorCode: { S: r.error.code }, errorMessage: { S: r.error.message } }),
    expiresAt: { N: expiresAt(r.at, retentionDays) },
  };
}

export function runFromItem(tenantId: string, item: Item): PolicyRunRecord {
  return {
    tenantId,
    policyId: item.policyId!.S!,
    id: item.id!.S!,
    at: item.at!.S!,
    reason: item.reason!.S! as RunReason,
    ...(item.scheduledTime ? { scheduledTime: item.scheduledTime.S! } : {}),
    ...(item.missed?.BOOL ? { missed: true as const } : {}),
    ...(item.event ? { event: JSON.parse(item.event.S!) as RunEvent } : {}),
    actor: item.actor!.S!,
    operations: JSON.parse(item.operations!.S!) as RunOperation[],
    operationCount: item.operationCount
      ? Number(item.operationCount.N)
      : (JSON.parse(item.operations!.S!) as []).length,
    ...(item.moreOperationIds ? { moreOperationIds: JSON.parse(item.moreOperationIds.S!) as string[] } : {}),
    outcome: item.outcome!.S! as RunOutcome,
    ...(item.errorCode ? { error: { code: item.errorCode.S!, message: item.errorMessage?.S ?? '' } } : {}),
  };
}

/** The runs of one policy, newest first. */
export const runsRange = (policyId: string): ItemRange<PolicyRunRecord> => ({
  prefix: runsOf(policyId),
  newestFirst: true,
  fromItem: runFromItem,
});
