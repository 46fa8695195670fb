/**
 * A device is back (a `return` message: AWS IoT lifecycle events, the local broker): it is resynced, once per
 * return however many messages say so. A connection brings a `connected` and a `subscribed` event, a flapping
 * device many: each joins the device's resync that has not started sending yet (the two seconds it waits after it
 * was asked, see operations/resyncOperation.ts), so what they all saw is sent once, after the device has subscribed. A return after that resync started
 * sending starts another (what changed meanwhile reaches the device, never skipped).
 *
 * Joining is done with idempotency keys, which hold under concurrent workers: the first key of a return names the
 * device and the ten minutes it came back in; when that key's resync has started sending, the next key names that
 * resync (`after.<id>`), and so on along the chain of the device's resyncs in those ten minutes. Unknown devices
 * are ignored.
 *
 * A client flagged `rekeyOnReturn` (enrolled by trust on first use: its key may have been seen) is given a new
 * identity key instead (`client.identityKey`, which ends with the resync under the new key): SetIDKey goes under its
 * current key to the device, subscribed by then (a return's operation waits as the resync does). One per return
 * too: the first key names the device and its key version (`rekey.<id>.<version>`); while that operation has not
 * finished, returns join it; once finished with the flag still set (SetIDKey not taken: the device was gone again),
 * the next return starts another (`rekey.<id>.after.<operation id>`); one that succeeded (the flag was read before
 * it cleared it) means the return is resynced as any other. The store clears the flag with the new key.
 */
import { hexToBytes } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { RETURN_ACTOR } from '../operations/resyncOperation.js';
import { startOperation } from '../operations/startOperation.js';
import type { ReturnMessage } from '../ports/WorkQueue.js';
import type { Caller } from '../ports.js';

/** The span of the first idempotency key of a return. */
export const RETURN_WINDOW_MS = 10 * 60_000;

export async function acceptReturn(deps: C2Deps, message: ReturnMessage): Promise<void> {
  const { tenantId, clientIdHex } = message;
  const client = await deps.store.getClientById(tenantId, hexToBytes(clientIdHex));
  if (!client) return;
  const caller = { tenantId, actor: RETURN_ACTOR };
  const target = { type: 'client', name: client.name } as const;
  if (client.rekeyOnReturn && (await rekey(deps, caller, client.name, clientIdHex, client.keyVersion))) return;
  let idempotencyKey = `return.${clientIdHex}.${Math.floor(message.at / RETURN_WINDOW_MS)}`;
  for (;;) {
    const { operation, created } = await startOperation(deps, caller, {
      kind: 'client.resync',
      target,
      mintsKey: false,
      idempotencyKey,
    });
    if (created || operation.status === 'pending') return;
    idempotencyKey = `return.${clientIdHex}.after.${operation.id}`;
  }
}

/**
 * A new identity key for a flagged client: one operation per return (see above). False when the chain ends at one
 * that succeeded (the flag read before it cleared it): the return is then resynced as any other.
 */
async function rekey(
  deps: C2Deps,
  caller: Caller,
  name: string,
  clientIdHex: string,
  keyVersion: number,
): Promise<boolean> {
  const target = { type: 'client', name } as const;
  let idempotencyKey = `rekey.${clientIdHex}.${keyVersion}`;
  for (;;) {
    const { operation, created } = await startOperation(deps, caller, {
      kind: 'client.identityKey',
      target,
      mintsKey: false,
      idempotencyKey,
    });
    if (created || operation.finishedAt === undefined) return true;
    if (operation.status === 'succeeded') return false;
    idempotencyKey = `rekey.${clientIdHex}.after.${operation.id}`;
  }
}
