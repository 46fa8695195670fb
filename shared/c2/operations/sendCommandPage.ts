/**
 * A page of an operation's deliveries that each get one command of their own (a new identity key, a new C2 key):
 * the pending ones' commands protected, the references that match receipts to them written, the commands
 * published, then their outcomes written (`sent` with the hash of the command, or `failed` with why); what that
 * changes in the counts.
 * Clients deleted since are `failed`.
 */
import type { C2Deps } from '../C2Deps.js';
import type { CommandSender } from '../delivery/CommandSender.js';
import type { CommandRef, CountsDelta, DeliveryRecord, OperationRecord } from '../ports/OperationStore.js';
import type { ClientRecord } from '../ports.js';
import { commandHashOf } from './commandHashOf.js';
import { firstSent } from './confirmable.js';
import { pageOutcomes } from './pageOutcomes.js';

export async function sendCommandPage(
  deps: C2Deps,
  sender: CommandSender,
  operation: OperationRecord,
  page: readonly DeliveryRecord[],
  commandFor: (client: ClientRecord) => Uint8Array,
  second?: number,
): Promise<CountsDelta> {
  const waiting = page.filter((delivery) => delivery.state === 'pending');
  if (waiting.length === 0) return {};
  const { tenantId } = operation;
  const updatedAt = new Date(deps.clock()).toISOString();
  const clients = await deps.store.getClients(
    tenantId,
    waiting.map((delivery) => delivery.clientName),
  );
  const errors = new Map<string, string>(waiting.map((delivery) => [delivery.clientName, 'the client was deleted']));
  for (const client of clients) errors.delete(client.name);
  const hashes = new Map<string, Uint8Array>();
  const commands = clients.map((client) => ({ client, command: commandFor(client) }));
  try {
    const report = await sender.send(commands, {
      ...(second === undefined ? {} : { second }),
      // The references first: a receipt may come as soon as a command is out.
      beforePublish: async (out) => {
        for (const each of out) hashes.set(each.clientName, commandHashOf(each.payload));
        const refs: CommandRef[] = clients
          .filter((client) => hashes.has(client.name))
          .map((client) => ({
            tenantId,
            clientId: client.id,
            commandHash: hashes.get(client.name)!,
            operationId: operation.id,
            clientName: client.name,
            at: updatedAt,
            ...(client.lastSeenAt === undefined ? {} : { counted: true }),
          }));
        await deps.operations.putCommandRefs(refs);
      },
    });
    for (const failure of report.failed) errors.set(failure.client, failure.error);
  } finally {
    for (const { command } of commands) command.fill(0);
  }
  const outcomes = pageOutcomes(waiting, errors, hashes, updatedAt);
  await deps.operations.putDeliveries(outcomes);
  const sent = outcomes.filter((delivery) => delivery.state === 'sent').length;
  const confirming = new Set(clients.filter((client) => client.lastSeenAt !== undefined).map((client) => client.name));
  return {
    pending: -waiting.length,
    sent,
    failed: waiting.length - sent,
    confirmable: firstSent(waiting, confirming),
  };
}
