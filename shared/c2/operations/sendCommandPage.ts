/**
 * A page of an operation's deliveries that each get one command of their own (a new identity key, a new C2 key):
 * the pending ones' commands protected and published, then their outcomes written (`sent` with the hash of the
 * command, or `failed` with why) with the references that match receipts to them; what that changes in the counts.
 * Clients deleted since are `failed`.
 */
import type { C2Deps } from '../C2Deps.js';
import type { CommandSender } from '../delivery/CommandSender.js';
import type { CommandRef, CountsDelta, DeliveryRecord, OperationRecord } from '../ports/OperationStore.js';
import type { ClientRecord } from '../ports.js';
import { commandHashOf } from './topicOperation.js';

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
      beforePublish: async (out) => {
        for (const each of out) hashes.set(each.clientName, commandHashOf(each.payload));
      },
    });
    for (const failure of report.failed) errors.set(failure.client, failure.error);
  } finally {
    for (const { command } of commands) command.fill(0);
  }
  const outcomes: DeliveryRecord[] = waiting.map((delivery) => {
    const error = errors.get(delivery.clientName);
    const { lastError: _previous, commandHash: _hash, ...rest } = delivery;
    const attempts = delivery.attempts + 1;
    return error === undefined
      ? { ...rest, state: 'sent', attempts, commandHash: hashes.get(delivery.clientName)!, updatedAt }
      : { ...rest, state: 'failed', attempts, lastError: error, updatedAt };
  });
  const refs: CommandRef[] = outcomes
    .filter((delivery) => delivery.state === 'sent')
    .map((delivery) => ({
      tenantId,
      clientId: delivery.clientId,
      commandHash: delivery.commandHash!,
      operationId: operation.id,
      clientName: delivery.clientName,
      at: updatedAt,
    }));
  await Promise.all([deps.operations.putDeliveries(outcomes), deps.operations.putCommandRefs(refs)]);
  return { pending: -waiting.length, sent: refs.length, failed: waiting.length - refs.length };
}
