/**
 * A client's command key, the key its commands (and its receipts) are protected with: its identity key (symmetric
 * mode), or SHA3-256(X25519(C2 private key, client public key)) (public-key mode). One place for what the command
 * sender and the receipt handler both open. The caller wipes the key it gets.
 */
import { type CryptoEngine, c2CommandKey } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { openClientKey } from '../clients/requireClient.js';
import type { ClientRecord } from '../ports.js';

/** The C2's private key, opened on first call (public-key clients only need it); the caller wipes it. */
export type C2PrivateKeySource = () => Promise<Uint8Array>;

export async function openCommandKey(
  deps: C2Deps,
  engine: CryptoEngine,
  client: ClientRecord,
  c2PrivateKey: C2PrivateKeySource,
): Promise<Uint8Array> {
  const stored = await openClientKey(deps, client);
  if (client.mode === 'symmetric') return stored;
  try {
    return c2CommandKey(engine, await c2PrivateKey(), stored);
  } finally {
    stored.fill(0);
  }
}
