/**
 * The command keys a device's receipt may be protected with, the likeliest first. A device protects its receipt under
 * the command key in force once it applied the command (docs/protocol.md, section 11): after a SetIDKey or SetC2Key
 * that is the new one, which the C2 keeps pending until it puts it in force. So: the current command key, then the
 * one of the client's pending identity key, then (public-key mode) the one of the tenant's pending C2 key. Each is
 * opened only when the one before did not open the receipt, and wiped by this generator once the caller asks for the
 * next or stops.
 */
import { type CryptoEngine, c2CommandKey } from '../../../e4/index.js';
import type { C2Deps } from '../../C2Deps.js';
import { c2KeyBinding } from '../../c2key/loadC2Key.js';
import { pendingBinding } from '../../clients/newClientKey.js';
import { openClientKey } from '../../clients/requireClient.js';
import { openCommandKey } from '../../delivery/openCommandKey.js';
import type { ClientRecord } from '../../ports.js';

/** Ed25519 seed bytes before the public key, in a Go-format private key (what a pending public-key identity is). */
const ED25519_SEED_LEN = 32;

export async function* receiptKeys(
  deps: C2Deps,
  engine: CryptoEngine,
  client: ClientRecord,
): AsyncGenerator<Uint8Array, void, undefined> {
  const { tenantId } = client;
  const c2 = client.mode === 'pubkey' ? await deps.store.getC2Key(tenantId) : undefined;
  // A public-key client without a C2 key has no command channel: nothing can open its receipt.
  if (client.mode === 'pubkey' && !c2) return;
  let c2PrivateKey: Promise<Uint8Array> | undefined;
  // Called for public-key clients only, which have a C2 key (checked above).
  const currentC2 = () => {
    c2PrivateKey ??= deps.vault.unwrap(c2!.wrappedKey, c2KeyBinding(tenantId, c2!.keyVersion));
    return c2PrivateKey;
  };
  try {
    yield* wiped(openCommandKey(deps, engine, client, currentC2));
    if (client.pending) {
      const pending = await deps.vault.unwrap(
        client.pending.wrappedKey,
        pendingBinding(client, client.pending.keyVersion),
      );
      if (client.mode === 'symmetric') yield* wiped(Promise.resolve(pending));
      else {
        try {
          const key = c2CommandKey(engine, await currentC2(), pending.subarray(ED25519_SEED_LEN));
          yield* wiped(Promise.resolve(key));
        } finally {
          pending.fill(0);
        }
      }
    }
    if (c2?.pending) {
      const pendingC2 = await deps.vault.unwrap(c2.pending.wrappedKey, c2KeyBinding(tenantId, c2.pending.keyVersion));
      const clientPublicKey = await openClientKey(deps, client);
      try {
        yield* wiped(Promise.resolve(c2CommandKey(engine, pendingC2, clientPublicKey)));
      } finally {
        pendingC2.fill(0);
        clientPublicKey.fill(0);
      }
    }
  } finally {
    if (c2PrivateKey) (await c2PrivateKey.catch(() => undefined))?.fill(0);
  }
}

/** Yields the key, and wipes it once the caller moves on (or stops). */
async function* wiped(key: Promise<Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
  const opened = await key;
  try {
    yield opened;
  } finally {
    opened.fill(0);
  }
}
