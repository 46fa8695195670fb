/**
 * A client's deletion (`client.delete`) or reset (`client.reset`) carried out step by step. Every step is safe to
 * repeat (a message handled twice, a worker that crashed anywhere): where the operation stands is its `cursor`,
 * `<step>:<round>[:<page cursor>]`, moved by conditional writes (a duplicate worker that lost the race stops).
 *
 * 1. `off`: the client taken off each topic it is on. With a re-key (`options.rekey`, the default), a child
 *    `link.delete` operation per topic (topicOperation.ts: the topic re-keyed for the others, RemoveTopic to the
 *    client, public keys withdrawn, the link deleted), started with an idempotency key made of the parent's id, the
 *    round and the topic's hash, so that a step done twice never starts two. Without, the link taken off at once
 *    under the topic's lease (as an unlink without re-key).
 * 2. `wait`: until every child has finished (the operation queues itself again, 1 s growing to 5 s apart). Links
 *    still there (made meanwhile, or whose child failed) start another round of step 1, up to {@link MAX_ROUNDS}.
 * 3. `reset`: ResetTopics (and ResetPubKeys in public-key mode) to the client, as the operation's one delivery (its
 *    receipt confirms it; the devices view shows it).
 * 4. `delete` (deletion only): the device deprovisioned, then the record deleted, then its E4 id's claim released
 *    (clients/clientIdClaim.ts); links made meanwhile go back to
 *    step 1. A reset keeps the client, and a link made while its ResetTopics went out (whose key the device has
 *    just wiped) goes back to step 1 too (`check`): the device and the C2 agree that it is on no topic.
 * 5. `done`: the outcome: `partial` when the last child of a topic ended partial or failed (a child that found the
 *    link gone already, e.g. taken off by a concurrent deletion, counts as done), else as its delivery says.
 */
import { bytesToHex, cmdResetPubKeys, cmdResetTopics, hashIdAlias, hashTopic } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { releaseDeletedClaim } from '../clients/clientIdClaim.js';
import { withSender } from '../delivery/CommandSender.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { unlinkWithLease } from '../links/unlinkClient.js';
import { eachPage } from '../pages.js';
import { deletePoliciesNaming } from '../policies/deletePoliciesNaming.js';
import type { CommandRef, DeliveryRecord, OperationRecord, OperationUpdate } from '../ports/OperationStore.js';
import { commandHashOf } from './commandHashOf.js';
import { confirmableOnce } from './confirmable.js';
import { finishOperation } from './finishOperation.js';
import { pendingDelivery } from './pendingDelivery.js';
import { queueAgain } from './queueAgain.js';
import { startStep } from './startOperation.js';
import { OPERATION_PAGE, stepDeadline } from './stepBudget.js';
import type { WorkOptions } from './WorkOptions.js';

/** Rounds of step 1 before links that keep coming back (or failing) fail the operation. */
export const MAX_ROUNDS = 3;
/** How long the operation waits between two looks at its children: from the first to the last, growing. */
export const CHILD_WAIT = { minMs: 1_000, maxMs: 5_000 };

type Step = 'off' | 'wait' | 'reset' | 'check' | 'delete' | 'done';

interface Position {
  readonly step: Step;
  readonly round: number;
  /** Step 1 with a re-key: the page of topics to go on from. */
  readonly page?: string;
}

function positionOf(operation: OperationRecord): Position {
  if (operation.cursor === undefined) return { step: 'off', round: 1 };
  const [step, round, ...page] = operation.cursor.split(':');
  return { step: step as Step, round: Number(round), ...(page.length > 0 ? { page: page.join(':') } : {}) };
}

const cursorOf = (position: Position): string =>
  [position.step, position.round, ...(position.page === undefined ? [] : [position.page])].join(':');

export async function advanceClientOperation(
  deps: C2Deps,
  operation: OperationRecord,
  options: WorkOptions,
): Promise<void> {
  const again = () => queueAgain(deps, operation);
  const deadline = stepDeadline(options);
  if (await reEnrolled(deps, operation)) {
    // Deleted (by this operation or another), then enrolled again under its name: that client is not this one's.
    await finishOperation(deps, operation);
    return;
  }
  let current: OperationRecord | undefined = operation;
  if (current.status === 'pending') current = await move(deps, current, { step: 'off', round: 1 }, 'running');
  while (current) {
    if (Date.now() >= deadline) return again();
    const at = positionOf(current);
    switch (at.step) {
      case 'off':
        current = await takeOff(deps, current, at, deadline);
        break;
      case 'wait': {
        if (await childrenRunning(deps, current)) return queueAgain(deps, current, CHILD_WAIT);
        current = await afterLinks(deps, current, at, { step: 'reset', round: at.round });
        break;
      }
      case 'reset':
        current = await sendReset(deps, current, at);
        break;
      case 'check':
        // A reset: a link made while the reset went out had its key wiped by ResetTopics: taken off too.
        current = await afterLinks(deps, current, at, { step: 'done', round: at.round });
        break;
      case 'delete':
        current = await deleteRecord(deps, current, at);
        break;
      case 'done':
        await finishOperation(deps, current, await childrenOutcome(deps, current));
        return;
      default:
        throw new Error(`operation ${operation.id}: unknown position "${current.cursor}"`);
    }
  }
}

/** A client of the name enrolled after the operation was asked for (so after the one it deletes was deleted). */
async function reEnrolled(deps: C2Deps, operation: OperationRecord): Promise<boolean> {
  const client = await deps.store.getClient(operation.tenantId, operation.target.name);
  return client !== undefined && Date.parse(client.createdAt) > Date.parse(operation.createdAt);
}

/** The operation at its next position (and status); undefined when another worker moved it first. */
async function move(
  deps: C2Deps,
  operation: OperationRecord,
  position: Position,
  status?: 'running',
  more: Omit<OperationUpdate, 'updatedAt' | 'cursor' | 'status'> = {},
): Promise<OperationRecord | undefined> {
  const update: OperationUpdate = {
    cursor: cursorOf(position),
    ...(status ? { status } : {}),
    ...more,
    updatedAt: new Date(deps.clock()).toISOString(),
  };
  try {
    return await deps.operations.updateOperation(operation.tenantId, operation.id, update, operation.revision);
  } catch (error) {
    if (error instanceof C2Error && error.code === C2ErrorCode.ConcurrentUpdate) return undefined;
    throw error;
  }
}

/**
 * Step 1, a page of topics at a time until the budget is spent; then step 2 of the same round. Undefined when another
 * worker moved the operation on, or a child could not be started (the operation finished `failed`).
 */
async function takeOff(
  deps: C2Deps,
  operation: OperationRecord,
  at: Position,
  deadline: number,
): Promise<OperationRecord | undefined> {
  const { tenantId, target } = operation;
  const name = target.name;
  if (operation.options?.rekey === false) {
    await unlinkAll(deps, tenantId, name);
    return move(deps, operation, { step: 'wait', round: at.round });
  }
  let current: OperationRecord | undefined = operation;
  let page = at.page;
  do {
    const topics = await deps.store.listTopicsOfClient(tenantId, name, {
      limit: OPERATION_PAGE,
      ...(page ? { cursor: page } : {}),
    });
    for (const topic of topics.items) {
      const child = await startChild(deps, operation, at.round, topic);
      if ('refused' in child) {
        // The client cannot be taken off that topic (its revocation refused): failed, saying why.
        await finishOperation(deps, current, child.refused, { failed: true });
        return undefined;
      }
    }
    page = topics.cursor;
    current = await move(deps, current, page ? { ...at, page } : { step: 'wait', round: at.round });
  } while (current && page && Date.now() < deadline);
  return current;
}

/** Step 1 without a re-key: each link taken off under its topic's lease, from the first page until none is left. */
async function unlinkAll(deps: C2Deps, tenantId: string, name: string): Promise<void> {
  await withSender(deps, tenantId, async (sender) => {
    for (;;) {
      const { items } = await deps.store.listTopicsOfClient(tenantId, name, { limit: OPERATION_PAGE });
      if (items.length === 0) return;
      const client = await deps.store.getClient(tenantId, name);
      for (const topic of items) {
        try {
          // No RemoveTopic: ResetTopics follows (step 3).
          await unlinkWithLease(deps, sender, { tenantId, topic, name, client, notify: false });
        } catch (error) {
          if (!(error instanceof C2Error && error.code === C2ErrorCode.NotFound)) throw error;
          await deps.store.deleteLink(tenantId, topic, name); // the topic is gone
        }
      }
    }
  });
}

/** The child revocation of one topic for this round (the one started already, when the step is done again). */
function startChild(deps: C2Deps, parent: OperationRecord, round: number, topic: string) {
  const client = parent.target.name;
  return startStep(
    deps,
    { tenantId: parent.tenantId, actor: parent.actor },
    {
      kind: 'link.delete',
      target: { type: 'link', name: `${topic} ${client}`, link: { topic, client } },
      mintsKey: true,
      idempotencyKey: `${parent.id}.${round}.${bytesToHex(hashTopic(topic))}`,
      parentId: parent.id,
    },
  );
}

/** Every child of the operation, newest first. */
async function childrenOf(deps: C2Deps, operation: OperationRecord): Promise<OperationRecord[]> {
  const children: OperationRecord[] = [];
  const list = (page: { limit: number; cursor?: string }) =>
    deps.operations.listOperations(operation.tenantId, { parentId: operation.id }, page);
  for await (const page of eachPage(list)) children.push(...page);
  return children;
}

async function childrenRunning(deps: C2Deps, operation: OperationRecord): Promise<boolean> {
  if (operation.options?.rekey === false) return false;
  return (await childrenOf(deps, operation)).some((child) => child.finishedAt === undefined);
}

/**
 * After the client was taken off its topics: links still there (made meanwhile, or whose child failed) go back to
 * step 1 for another round (the operation fails after {@link MAX_ROUNDS}); else on to `next`.
 */
async function afterLinks(
  deps: C2Deps,
  operation: OperationRecord,
  at: Position,
  next: Position,
): Promise<OperationRecord | undefined> {
  const { items } = await deps.store.listTopicsOfClient(operation.tenantId, operation.target.name, { limit: 1 });
  if (items.length === 0) {
    if (next.step === 'reset') await planReset(deps, operation);
    return move(deps, operation, next, undefined, next.step === 'reset' ? countsOfReset(operation) : {});
  }
  if (at.round < MAX_ROUNDS) return move(deps, operation, { step: 'off', round: at.round + 1 });
  const failure = {
    code: C2ErrorCode.ConcurrentUpdate,
    message: `the client is still on some topics after ${MAX_ROUNDS} rounds (see the operations with parent=${operation.id})`,
  };
  await finishOperation(deps, operation, failure, { failed: true });
  return undefined;
}

/** The delivery of the reset commands, `pending`, written once (a later round finds it there). */
async function planReset(deps: C2Deps, operation: OperationRecord): Promise<void> {
  if (operation.counts.total > 0) return;
  const delivery = pendingDelivery(operation, operation.target.name, new Date(deps.clock()).toISOString());
  await deps.operations.putDeliveries([delivery]);
}

const countsOfReset = (operation: OperationRecord) =>
  operation.counts.total > 0 ? {} : { counts: { total: 1, pending: 1, sent: 0, confirmed: 0, failed: 0 } };

/**
 * Step 3: ResetTopics (and ResetPubKeys in public-key mode) published to the client, its delivery `sent` (with the
 * hash of the last command, which its receipt names: the device applies them in order) or `failed`, then the next
 * step and the counts in one write. Done again, it publishes again (harmless) unless the delivery left `pending`.
 */
async function sendReset(deps: C2Deps, operation: OperationRecord, at: Position): Promise<OperationRecord | undefined> {
  const { tenantId, id, target } = operation;
  const next: Position = { step: operation.kind === 'client.delete' ? 'delete' : 'check', round: at.round };
  const delivery = await deps.operations.getDelivery(tenantId, id, target.name);
  if (delivery?.state !== 'pending') return move(deps, operation, next);
  const updatedAt = new Date(deps.clock()).toISOString();
  const client = await deps.store.getClient(tenantId, target.name);
  let outcome: DeliveryRecord = {
    ...delivery,
    state: 'failed',
    attempts: delivery.attempts + 1,
    lastError: 'the client was deleted',
    updatedAt,
  };
  if (client) {
    const commands = [{ client, command: cmdResetTopics() }];
    if (client.mode === 'pubkey') commands.push({ client, command: cmdResetPubKeys() });
    const report = await withSender(deps, tenantId, (sender) =>
      sender.send(commands, {
        beforePublish: async (out) => {
          const commandHash = commandHashOf(out.at(-1)!.payload);
          const ref: CommandRef = {
            tenantId,
            clientId: client.id,
            commandHash,
            operationId: id,
            clientName: client.name,
            at: updatedAt,
            ...(client.lastSeenAt === undefined ? {} : { counted: true }),
          };
          await deps.operations.putCommandRefs([ref]);
          outcome = { ...outcome, commandHash };
        },
      }),
    );
    const failed = report.failed[0];
    if (failed) outcome = { ...outcome, lastError: failed.error };
    else {
      const { lastError: _none, ...sent } = outcome;
      outcome = { ...sent, state: 'sent' };
    }
  }
  await deps.operations.putDeliveries([outcome]);
  const confirmable = confirmableOnce(operation, client);
  return move(deps, operation, next, undefined, { countsDelta: { pending: -1, [outcome.state]: 1, confirmable } });
}

/**
 * Step 4: the device deprovisioned, then the record deleted (gone already when done again), then the policies naming
 * the client (deletePoliciesNaming.ts); links made meanwhile?
 */
async function deleteRecord(
  deps: C2Deps,
  operation: OperationRecord,
  at: Position,
): Promise<OperationRecord | undefined> {
  const { tenantId, target } = operation;
  // Its thing and certificates go first: a failure here leaves the record, and the step is done again.
  await deps.provisioner?.deprovision(tenantId, { idHex: bytesToHex(hashIdAlias(target.name)) });
  try {
    // Its slot in the tenant's quota given back in the same write: once, a step done again finds the record gone.
    await deps.store.deleteClient(tenantId, target.name);
  } catch (error) {
    if (!(error instanceof C2Error && error.code === C2ErrorCode.NotFound)) throw error;
  }
  // Then its E4 id, which another tenant may now claim (a step done again finds it released already).
  await releaseDeletedClaim(deps, tenantId, hashIdAlias(target.name), new Date(deps.clock()).toISOString());
  await deletePoliciesNaming(deps, tenantId, { client: target.name });
  return afterLinks(deps, operation, at, { step: 'done', round: at.round });
}

/**
 * Step 5: the error that makes the operation `partial`: topics whose last child ended partial or failed (one that
 * found the link or the topic gone already is not counted: the client is off that topic).
 */
async function childrenOutcome(
  deps: C2Deps,
  operation: OperationRecord,
): Promise<{ code: string; message: string } | undefined> {
  if (operation.options?.rekey === false) return undefined;
  const last = new Map<string, OperationRecord>();
  for (const child of await childrenOf(deps, operation)) {
    const topic = child.target.link?.topic ?? child.target.name;
    if (!last.has(topic)) last.set(topic, child); // newest first
  }
  const short = [...last.values()].filter(
    (child) => child.status === 'partial' || (child.status === 'failed' && child.error?.code !== C2ErrorCode.NotFound),
  );
  if (short.length === 0) return undefined;
  return {
    code: 'INCOMPLETE',
    message: `${short.length} of ${last.size} topics were not re-keyed for every remaining device (see the operations with parent=${operation.id})`,
  };
}
