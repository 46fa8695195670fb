/**
 * Gives a client a new identity key (E4's NewClientKey): a new key is made (symmetric: 32 random bytes; public-key
 * mode: a new Ed25519 key pair, whose 64-byte private key is what the device receives) and kept as pending, sent in
 * SetIDKey protected with the client's current command key, and put in force (version + 1) once the broker has
 * accepted the command. E4 replaced the key first, so a device that missed the command was cut off for good (its bug
 * 6). A renewal cut short (broker refused, crash) leaves the key pending: calling again sends the same key again and
 * finishes (a device that already switched cannot open the repeat, and ignores it). Then the client is sent its topic
 * keys again under the new key, and in public-key mode its topic peers get its new public key.
 */
import { cmdSetIdKey, ed25519PrivateKeyFromSeed, KEY_LEN } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { withSender } from '../delivery/CommandSender.js';
import type { DeliveryReport } from '../delivery/DeliveryReport.js';
import { clockSecond, nextSeconds } from '../delivery/keySeconds.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { audited } from '../events/audited.js';
import type { Caller, ClientRecord, KeyBinding } from '../ports.js';
import { randomBytesOf } from '../randomBytesOf.js';
import { type ClientView, clientView } from './ClientView.js';
import { requireClient } from './requireClient.js';
import { resendTopicKeys } from './resyncClient.js';
import { validateClientName } from './validateClientName.js';

const ED25519_SEED_LEN = 32;

export async function newClientKey(
  deps: C2Deps,
  caller: Caller,
  nameInput: string,
): Promise<{ client: ClientView; delivery: DeliveryReport }> {
  const name = validateClientName(nameInput);
  const { tenantId } = caller;
  return audited(deps, caller, 'client.new-key', { type: 'client', name }, () =>
    withSender(deps, tenantId, async (sender) => {
      const client = await requireClient(deps, tenantId, name);
      const started = clockSecond(deps);
      const keyVersion = client.keyVersion + 1;
      const sent = await pendingKeyOf(deps, client);
      const command = cmdSetIdKey(sent);
      try {
        // A later second than the identity key before it (see delivery/keySeconds.ts).
        const [second] = await nextSeconds(deps, client.keySecond, 1);
        const outcome = await sender.send([{ client, command }], { second });
        if (outcome.delivered !== 1) {
          throw new C2Error(
            C2ErrorCode.DeliveryFailed,
            `SetIDKey for "${name}" was not accepted by the broker (${outcome.failed[0]?.error ?? 'unknown'}); ` +
              'the new key stays pending: call again to send it again',
          );
        }
        // What the C2 keeps: the key itself, or the public half of a Go-format private key (seed ‖ public key).
        const stored = client.mode === 'symmetric' ? sent : sent.subarray(ED25519_SEED_LEN);
        const wrappedKey = await deps.vault.wrap(stored, { tenantId, kind: 'client', name, version: keyVersion });
        const updatedAt = new Date(deps.clock()).toISOString();
        await deps.store.updateClientKey(tenantId, name, {
          wrappedKey,
          keyVersion,
          expectedVersion: client.keyVersion,
          updatedAt,
          keySecond: second,
        });
        const { pending: _, ...rest } = client;
        const updated: ClientRecord = { ...rest, wrappedKey, keyVersion, updatedAt, keySecond: second };
        if (client.mode === 'pubkey') {
          // Its peers get the new public key (SetPubKey, stamped with the current second) at a later second than
          // any SetPubKey of the old one sent before this change: a replay of an old one is then STALE_COMMAND.
          await nextSeconds(deps, started, 1);
        }
        // Under the new key: each topic's current key again (a fan-out that read this client before the change sent
        // it under the old one, which the device no longer opens) and, in public-key mode, the public keys swapped
        // with its topic peers (who learn the new one).
        await resendTopicKeys(deps, sender, updated);
        const delivery = sender.report();
        return { value: { client: clientView(updated), delivery }, details: { keyVersion, delivery } };
      } finally {
        sent.fill(0);
        command.fill(0);
      }
    }),
  );
}

/** What a pending identity key is bound to (the receipt handler opens it too). */
export const pendingBinding = (client: ClientRecord, version: number): KeyBinding => ({
  tenantId: client.tenantId,
  kind: 'client-pending',
  name: client.name,
  version,
});

/** The key to send: the pending one of a renewal cut short, or a new one, stored as pending first. */
async function pendingKeyOf(deps: C2Deps, client: ClientRecord): Promise<Uint8Array> {
  if (client.pending)
    return deps.vault.unwrap(client.pending.wrappedKey, pendingBinding(client, client.pending.keyVersion));
  const random = randomBytesOf(deps);
  let sent: Uint8Array;
  if (client.mode === 'symmetric') sent = random(KEY_LEN);
  else {
    const seed = random(ED25519_SEED_LEN);
    sent = ed25519PrivateKeyFromSeed(seed).privateKey;
    seed.fill(0);
  }
  const keyVersion = client.keyVersion + 1;
  const wrappedKey = await deps.vault.wrap(sent, pendingBinding(client, keyVersion));
  await deps.store.setClientPendingKey(client.tenantId, client.name, { wrappedKey, keyVersion }, client.keyVersion);
  return sent;
}
