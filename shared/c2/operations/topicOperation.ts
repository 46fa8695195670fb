/**
 * A topic operation carried out step by step: a rotation (`topic.rotate`) or a revocation (`link.delete`: the
 * topic re-keyed for every client but the one leaving, then the link deleted). Every step is safe to repeat, so a
 * message handled twice or a worker that crashed anywhere leaves nothing half done: the next message goes on.
 *
 * 1. The topic's lease, held by the operation (owner `op-<id>`) until it ends: changes of the topic never interleave
 *    their commands, and a resumed operation takes its own lease back at once. A busy topic: try again shortly.
 * 2. `pending`: the key version it installs is recorded, then the operation's key (minted when it was started) is
 *    installed in the topic record at that version (skipped when already there), timestamped at a later second
 *    than any command before it (a revocation takes two: its throw-away key's, then the key's). Then its devices are
 *    counted (all `pending`, no record written: linkPass.ts), and the operation is `running` with its total.
 * 3. `running`: a page of devices at a time, from the operation's cursor (the topic's links in the first pass, the
 *    records made `pending` again in a later one): commands protected and published, each delivery written `sent`
 *    or `failed` (sendTopicKeyPage.ts: with a reference of its command before the publish for a device known to
 *    send receipts), then the cursor and the counts moved in one conditional write (a page handled twice counts
 *    once; a duplicate worker that lost the race stops). After the time budget, the operation queues its own
 *    continuation.
 * 4. Past the last page: a revocation deletes the link (RemoveTopic to the leaving client, public keys withdrawn),
 *    the lease is given back, the outcome recorded (finishOperation.ts).
 */
import { cmdRemoveTopic, cmdSetTopicKey, KEY_LEN } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { withSender } from '../delivery/CommandSender.js';
import { clockSecond, nextSeconds, sameSecond } from '../delivery/keySeconds.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { unsharePubKeys } from '../links/sharePubKeys.js';
import { eachPage } from '../pages.js';
import type { CountsDelta, DeliveryRecord, OperationRecord, OperationStore } from '../ports/OperationStore.js';
import type { Page, PageRequest, TopicRecord } from '../ports.js';
import { randomBytesOf } from '../randomBytesOf.js';
import { openTopicKey } from '../topics/openTopicKey.js';
import { storeTopicKey } from '../topics/storeTopicKey.js';
import { TOPIC_LEASE_MS } from '../topics/withTopicLease.js';
import { finishOperation } from './finishOperation.js';
import { inLinkPass, LINK_PASS, linkPassPage, topicOf } from './linkPass.js';
import { operationKeyBinding } from './operationKeyBinding.js';
import { queueAgain } from './queueAgain.js';
import { sendTopicKeyPage, type TopicKeyCommands } from './sendTopicKeyPage.js';
import { OPERATION_PAGE, stepDeadline } from './stepBudget.js';
import type { WorkOptions } from './WorkOptions.js';

/** Deliveries handled per page (one query, one batch read of clients, one publish batch). */
/** Pages being sent at once by one worker. */
const PAGES_IN_FLIGHT = 4;
/** The cursor of an operation whose pages have all been sent (DynamoDB cursors are base64url: never this). */
export const FANNED_OUT = '!';
/**
 * How soon an operation that found its topic busy tries again: 250 ms, growing to 1 s while it waits (not longer: the
 * operations queued behind one topic take it in turn, and each would leave the topic idle up to that long).
 */
export const BUSY_WAIT = { minMs: 250, maxMs: 1_000 };
/** Commands about a key installed longer ago than this (seconds) go out at new seconds (see fanOutSeconds). */
const FRESH_SECONDS = 300;
/** The lease is extended when it has less than this left. */
const LEASE_RENEW_MS = TOPIC_LEASE_MS / 2;

export async function advanceTopicOperation(
  deps: C2Deps,
  operation: OperationRecord,
  options: WorkOptions,
): Promise<void> {
  const { tenantId, id } = operation;
  const { topic, leaving } = topicOf(operation);
  const owner = `op-${id}`;
  const again = () => queueAgain(deps, operation);
  let leaseUntil: number;
  try {
    leaseUntil = await takeLease(deps, tenantId, topic, owner);
  } catch (error) {
    if (!(error instanceof C2Error)) throw error;
    if (error.code === C2ErrorCode.ConcurrentUpdate) return queueAgain(deps, operation, BUSY_WAIT);
    if (error.code === C2ErrorCode.NotFound) {
      await finishOperation(deps, operation, { code: error.code, message: `topic "${topic}" does not exist` });
      return;
    }
    throw error;
  }
  // A failure below leaves the lease with the operation: its message is handed over again and it goes on.
  let current = operation;
  if (current.status === 'pending') {
    const prepared = await prepare(deps, current, topic, leaving);
    if ('error' in prepared) {
      await release(deps, tenantId, topic, owner);
      await finishOperation(deps, prepared.operation, prepared.error);
      return;
    }
    current = prepared.operation;
  }
  const deadline = stepDeadline(options);
  while (current.cursor !== FANNED_OUT) {
    if (Date.now() >= deadline) return again();
    if (leaseUntil - deps.clock() < LEASE_RENEW_MS) leaseUntil = await takeLease(deps, tenantId, topic, owner);
    const next = await fanOutSlice(deps, current, topic, leaving, deadline, owner);
    if (!next) return; // another worker moved the operation on: it carries on from there
    if ('code' in next) {
      await release(deps, tenantId, topic, owner);
      // A revocation that did not finish leaves the client on the topic: failed, whatever was sent.
      await finishOperation(deps, current, next, leaving === undefined ? {} : { failed: true });
      return;
    }
    current = next;
  }
  if (current.counts.pending !== 0) current = await recount(deps, current);
  if (leaving) await takeOff(deps, tenantId, topic, leaving);
  await release(deps, tenantId, topic, owner);
  await finishOperation(deps, current);
}

/**
 * Counts that still show devices pending once every page was sent: a worker stopped between writing a page's
 * outcomes and committing its counts (a crash), and the page done again found nothing pending to count. The
 * deliveries say what happened: their tally, less the counts, is added to the counts. (A receipt landing between its
 * two writes during this read could be counted twice; recounts happen only after a crash.)
 */
async function recount(deps: C2Deps, operation: OperationRecord): Promise<OperationRecord> {
  const tally = { pending: 0, sent: 0, confirmed: 0, failed: 0 };
  const deliveries = (page: PageRequest) => deps.operations.listDeliveries(operation.tenantId, operation.id, {}, page);
  for await (const page of eachPage(deliveries)) for (const delivery of page) tally[delivery.state]++;
  const read = (await deps.operations.getOperation(operation.tenantId, operation.id)) ?? operation;
  const delta: CountsDelta = {
    // Devices whose link went meanwhile (a client deleted) were counted at the start of a first pass and have no
    // record: they leave the total.
    total: tally.pending + tally.sent + tally.confirmed + tally.failed - read.counts.total,
    pending: tally.pending - read.counts.pending,
    sent: tally.sent - read.counts.sent,
    confirmed: tally.confirmed - read.counts.confirmed,
    failed: tally.failed - read.counts.failed,
  };
  return deps.operations.addToCounts(operation.tenantId, operation.id, delta, new Date(deps.clock()).toISOString());
}

/** Takes (or extends) the topic's lease for the operation; returns its end. */
async function takeLease(deps: C2Deps, tenantId: string, topic: string, owner: string): Promise<number> {
  const now = deps.clock();
  const until = now + TOPIC_LEASE_MS;
  await deps.store.acquireTopicLease(tenantId, topic, { owner, now, until });
  return until;
}

const release = (deps: C2Deps, tenantId: string, topic: string, owner: string) =>
  deps.store.releaseTopicLease(tenantId, topic, owner);

type Prepared =
  | { operation: OperationRecord }
  | { operation: OperationRecord; error: { code: string; message: string } };

/** Step 2: the key installed, the devices counted, the operation `running`. */
async function prepare(
  deps: C2Deps,
  operation: OperationRecord,
  topic: string,
  leaving: string | undefined,
): Promise<Prepared> {
  const { operations } = deps;
  const { tenantId } = operation;
  let record = await deps.store.getTopic(tenantId, topic);
  if (!record) return { operation, error: { code: C2ErrorCode.NotFound, message: `topic "${topic}" does not exist` } };
  if (leaving !== undefined && !(await deps.store.getLink(tenantId, topic, leaving))) {
    const message = `client "${leaving}" is not on topic "${topic}"`;
    return { operation, error: { code: C2ErrorCode.NotFound, message } };
  }
  const updatedAt = () => new Date(deps.clock()).toISOString();
  let current = operation;
  if (current.keyVersion === undefined) {
    const keyVersion = record.keyVersion + 1;
    current = await operations.updateOperation(
      tenantId,
      current.id,
      { keyVersion, updatedAt: updatedAt() },
      current.revision,
    );
  }
  const keyVersion = current.keyVersion!;
  const installed = record.keyVersion === keyVersion && record.keyOperationId === current.id;
  if (!installed && record.keyVersion === keyVersion - 1) {
    record = await installKey(deps, current, record, leaving !== undefined);
  } else if (!installed) {
    // Another change gave the topic a key meanwhile (this operation's lease had expired): not this one's to send.
    const message = `the topic's key changed under the operation (version ${record.keyVersion}, expected ${keyVersion - 1})`;
    return { operation: current, error: { code: C2ErrorCode.ConcurrentUpdate, message } };
  }
  // The operation's devices, all `pending`: the topic's clients but the leaving one (its link was checked above).
  const total = (await deps.store.countClientsOfTopic(tenantId, topic)) - (leaving === undefined ? 0 : 1);
  const counts = { total, pending: total, sent: 0, confirmed: 0, failed: 0 };
  const running = await operations.updateOperation(
    tenantId,
    current.id,
    { status: 'running', counts, cursor: LINK_PASS, updatedAt: updatedAt() },
    current.revision,
  );
  return { operation: running };
}

/** The operation's key, wrapped again for the topic at its new version and stored with the second it goes out at. */
async function installKey(
  deps: C2Deps,
  operation: OperationRecord,
  record: TopicRecord,
  revoking: boolean,
): Promise<TopicRecord> {
  if (!operation.wrappedKey) throw new Error(`operation ${operation.id} has no key to install`);
  const seconds = await nextSeconds(deps, record.keySecond, revoking ? 2 : 1);
  const key = await deps.vault.unwrap(operation.wrappedKey, operationKeyBinding(record.tenantId, operation.id));
  try {
    return await storeTopicKey(deps, record, key, { keySecond: seconds.at(-1)!, revoking, operationId: operation.id });
  } finally {
    key.fill(0);
  }
}

/**
 * Step 3 for as long as the budget allows: pages of deliveries sent, the operation as it stands after the last one;
 * undefined when another worker moved it on meanwhile; an error when the topic no longer has the operation's key.
 */
async function fanOutSlice(
  deps: C2Deps,
  operation: OperationRecord,
  topic: string,
  leaving: string | undefined,
  deadline: number,
  owner: string,
): Promise<OperationRecord | undefined | { code: string; message: string }> {
  const { operations } = deps;
  const { tenantId } = operation;
  const record = await deps.store.getTopic(tenantId, topic);
  if (!record || record.keyOperationId !== operation.id || record.keySecond === undefined) {
    // Only when its lease was lost (expired) to another change: what is left to send is that change's to send.
    const found = record ? `is at version ${record.keyVersion}` : 'was deleted';
    return { code: C2ErrorCode.ConcurrentUpdate, message: `the topic ${found} meanwhile: the rest was not sent` };
  }
  const key = await openTopicKey(deps, record);
  const command = cmdSetTopicKey(key, topic);
  key.fill(0);
  const burnKey = leaving === undefined ? undefined : randomBytesOf(deps)(KEY_LEN);
  const burn = burnKey && cmdSetTopicKey(burnKey, topic);
  burnKey?.fill(0);
  const seconds = await fanOutSeconds(deps, record, owner, burn !== undefined);
  const commands: TopicKeyCommands = { topic, keyVersion: record.keyVersion, command, burn, ...seconds };
  try {
    return await withSender(deps, tenantId, (sender) =>
      pipelinePages(
        operations,
        operation,
        deadline,
        pageReader(deps, operation),
        (page) => sendTopicKeyPage(deps, sender, operation, page, commands),
        () => new Date(deps.clock()).toISOString(),
      ),
    );
  } finally {
    command.fill(0);
    burn?.fill(0);
  }
}

/**
 * Where a slice reads its pages: the topic's links in the first pass (linkPass.ts), else the records. A slice may
 * follow a worker cut short after sending pages it did not commit (at most PAGES_IN_FLIGHT past the cursor): the
 * first pages read the records of their devices, and so does each page after one that held some (links added
 * meanwhile shift the devices that worker reached past its pages), so a device done is never sent and written again.
 */
function pageReader(
  deps: C2Deps,
  operation: OperationRecord,
): (cursor: string | undefined) => Promise<Page<DeliveryRecord>> {
  let pages = 0;
  let lastHadRecords = false;
  return async (cursor) => {
    if (!inLinkPass(cursor)) {
      return deps.operations.listDeliveries(
        operation.tenantId,
        operation.id,
        {},
        { limit: OPERATION_PAGE, ...(cursor ? { cursor } : {}) },
      );
    }
    const withRecords = pages++ < PAGES_IN_FLIGHT || lastHadRecords;
    const page = await linkPassPage(deps, operation, cursor, OPERATION_PAGE, withRecords);
    lastHadRecords = withRecords && page.items.some((delivery) => delivery.state !== 'pending');
    return page;
  };
}

/**
 * Pages of deliveries from the operation's cursor, up to {@link PAGES_IN_FLIGHT} being sent at once (reading,
 * protecting, publishing and writing overlap), each committed in order: the cursor past a page and its counts in
 * one conditional write once it and every page before it are done. Stops at the deadline or the end; the operation
 * as committed last, or undefined when another worker committed first (it carries on).
 */
async function pipelinePages(
  operations: OperationStore,
  operation: OperationRecord,
  deadline: number,
  read: (cursor: string | undefined) => Promise<Page<DeliveryRecord>>,
  send: (page: readonly DeliveryRecord[]) => Promise<CountsDelta>,
  now: () => string,
): Promise<OperationRecord | undefined> {
  const { tenantId, id } = operation;
  let current: OperationRecord | undefined = operation;
  let readFrom = operation.cursor;
  let committing: Promise<void> = Promise.resolve();
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  do {
    const page = await read(readFrom);
    readFrom = page.cursor;
    const sending = send(page.items);
    // A page that fails stops the slice: no later page is committed past it (its devices would be skipped), and no
    // further page is started. The message is handed over again and goes on from the last page committed.
    sending.catch((error: unknown) => {
      failure ??= { error };
    });
    const commit: Promise<void> = committing.then(async () => {
      const countsDelta = await sending;
      if (!current || failure) return;
      const cursor = page.cursor ?? FANNED_OUT;
      const updatedAt = now();
      try {
        current = await operations.updateOperation(tenantId, id, { cursor, countsDelta, updatedAt }, current.revision);
      } catch (error) {
        if (!(error instanceof C2Error && error.code === C2ErrorCode.ConcurrentUpdate)) throw error;
        current = undefined;
      }
    });
    committing = commit.catch((error: unknown) => {
      failure ??= { error };
    });
    const tracked = committing.then(() => void inFlight.delete(tracked));
    inFlight.add(tracked);
    while (inFlight.size >= PAGES_IN_FLIGHT) await Promise.race(inFlight);
  } while (readFrom && !failure && current && Date.now() < deadline);
  await committing;
  if (failure) throw failure.error;
  return current;
}

/**
 * The seconds of a slice's commands: the key's own (stored when it was installed, the throw-away key's the one
 * before) while they are recent; else new ones, since E4 devices refuse commands older than ten minutes (a retry, a
 * fan-out that went on for long): the key again at a second not before its own, and a revocation's pair at two new
 * seconds, written to the topic with the lease.
 */
async function fanOutSeconds(
  deps: C2Deps,
  record: TopicRecord,
  owner: string,
  revoking: boolean,
): Promise<{ second: number; burnSecond: number }> {
  const installed = record.keySecond!;
  if (clockSecond(deps) - installed < FRESH_SECONDS) return { second: installed, burnSecond: installed - 1 };
  const now = deps.clock();
  if (!revoking) {
    // Written to the topic with the lease, so that the next key of the topic goes out at a later second.
    const second = await sameSecond(deps, installed);
    await deps.store.acquireTopicLease(record.tenantId, record.topic, {
      owner,
      now,
      until: now + TOPIC_LEASE_MS,
      keySecond: second,
    });
    return { second, burnSecond: second - 1 };
  }
  const [burnSecond, second] = (await nextSeconds(deps, installed, 2)) as [number, number];
  const lease = { owner, now, until: now + TOPIC_LEASE_MS, keySecond: second };
  await deps.store.acquireTopicLease(record.tenantId, record.topic, lease);
  return { second, burnSecond };
}

/** Step 4 of a revocation: the leaving client told to forget the topic, its public keys withdrawn, the link gone. */
async function takeOff(deps: C2Deps, tenantId: string, topic: string, leaving: string): Promise<void> {
  if (!(await deps.store.getLink(tenantId, topic, leaving))) return;
  const client = await deps.store.getClient(tenantId, leaving);
  const record = await deps.store.getTopic(tenantId, topic);
  if (client && record?.keySecond !== undefined) {
    await withSender(deps, tenantId, async (sender) => {
      // At the throw-away key's second, which the leaving client did not get: after every key it did get.
      await sender.send([{ client, command: cmdRemoveTopic(topic) }], { second: record.keySecond! - 1 });
      await unsharePubKeys(deps, sender, client, topic);
    });
  }
  await deps.store.deleteLink(tenantId, topic, leaving);
}
