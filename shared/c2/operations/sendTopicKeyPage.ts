/**
 * A page of a topic operation's deliveries (a rotation, a revocation): the topic key published to each pending
 * client (after a revocation's throw-away key), then each outcome written: `sent` with the hash of the command, or
 * `failed` with why; what that changes in the counts. Clients deleted since are `failed`.
 *
 * Receipts: only clients known to send them (`lastSeenAt`: one of their receipts was accepted before) get a command
 * reference, written before their command is published, so that a receipt finds it however fast it comes; it is
 * marked `confirmsPending`, and their outcomes are conditional writes from `pending` or no record yet (a receipt that
 * came first has confirmed the delivery already: its outcome is not written over it, nor counted twice). The others
 * (e4go devices, which send no receipts, and devices not heard from yet) get plain writes, many per request, and no
 * reference: the first receipt of a device not heard from yet is matched through its topics (acceptReceipts.ts). In
 * a topic operation's first pass (linkPass.ts) a delivery is written only here, with its outcome: a rotation of a
 * fleet of devices that never confirm writes one item per device.
 */
import type { C2Deps } from '../C2Deps.js';
import type { CommandSender } from '../delivery/CommandSender.js';
import type { CommandRef, CountsDelta, DeliveryRecord, OperationRecord } from '../ports/OperationStore.js';
import type { ClientRecord } from '../ports.js';
import { commandHashOf } from './commandHashOf.js';
import { firstSent } from './confirmable.js';
import { pageOutcomes } from './pageOutcomes.js';

export interface TopicKeyCommands {
  readonly topic: string;
  readonly keyVersion: number;
  /** SetTopicKey of the operation's key, sent at `second`. */
  readonly command: Uint8Array;
  readonly second: number;
  /** A revocation's throw-away key, sent at `burnSecond`, before the key. */
  readonly burn: Uint8Array | undefined;
  readonly burnSecond: number;
}

export async function sendTopicKeyPage(
  deps: C2Deps,
  sender: CommandSender,
  operation: OperationRecord,
  page: readonly DeliveryRecord[],
  commands: TopicKeyCommands,
): Promise<CountsDelta> {
  const { operations } = deps;
  const { tenantId } = operation;
  const waiting = page.filter((delivery) => delivery.state === 'pending');
  if (waiting.length === 0) return {};
  const updatedAt = new Date(deps.clock()).toISOString();
  const clients = await deps.store.getClients(
    tenantId,
    waiting.map((delivery) => delivery.clientName),
  );
  const errors = new Map<string, string>();
  const found = new Set(clients.map((client) => client.name));
  for (const delivery of waiting)
    if (!found.has(delivery.clientName)) errors.set(delivery.clientName, 'the client was deleted');
  let reached: ClientRecord[] = clients;
  if (commands.burn) {
    const burn = commands.burn;
    const first = await sender.send(
      reached.map((client) => ({ client, command: burn })),
      { second: commands.burnSecond },
    );
    // A client whose throw-away key the broker refused is left on its key, not given the new one on top of it.
    for (const failure of first.failed) errors.set(failure.client, failure.error);
    reached = reached.filter((client) => !errors.has(client.name));
  }
  const confirming = new Map(reached.filter((client) => client.lastSeenAt !== undefined).map((c) => [c.name, c]));
  const hashes = new Map<string, Uint8Array>();
  const report = await sender.send(
    reached.map((client) => ({ client, command: commands.command })),
    {
      second: commands.second,
      beforePublish: async (out) => {
        const refs: CommandRef[] = [];
        for (const each of out) {
          const commandHash = commandHashOf(each.payload);
          hashes.set(each.clientName, commandHash);
          const client = confirming.get(each.clientName);
          if (client) refs.push(referenceTo(operation, client, commandHash, commands, updatedAt));
        }
        if (refs.length > 0) await operations.putCommandRefs(refs);
      },
    },
  );
  for (const failure of report.failed) errors.set(failure.client, failure.error);
  const outcomes = pageOutcomes(waiting, errors, hashes, updatedAt);
  const plain = outcomes.filter((outcome) => !confirming.has(outcome.clientName));
  const guarded = outcomes.filter((outcome) => confirming.has(outcome.clientName));
  const [, moved] = await Promise.all([
    operations.putDeliveries(plain),
    operations.transitionDeliveries(
      tenantId,
      operation.id,
      guarded.map((outcome) => ({
        clientName: outcome.clientName,
        from: ['pending'],
        orAbsent: true,
        to: outcome.state,
        addAttempts: 1,
        ...(outcome.lastError === undefined ? {} : { lastError: outcome.lastError }),
        ...(outcome.commandHash === undefined ? {} : { commandHash: outcome.commandHash }),
        updatedAt,
      })),
    ),
  ]);
  const written = [...plain, ...moved];
  const sent = written.filter((outcome) => outcome.state === 'sent').length;
  return {
    pending: -written.length,
    sent,
    failed: written.length - sent,
    confirmable: firstSent(waiting, confirming),
  };
}

const referenceTo = (
  operation: OperationRecord,
  client: ClientRecord,
  commandHash: Uint8Array,
  { topic, keyVersion }: TopicKeyCommands,
  at: string,
): CommandRef => ({
  tenantId: operation.tenantId,
  clientId: client.id,
  commandHash,
  operationId: operation.id,
  clientName: client.name,
  at,
  topicKey: { topic, keyVersion },
  confirmsPending: true,
  counted: true,
});
