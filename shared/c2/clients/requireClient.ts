import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import type { ClientRecord } from '../ports.js';

/** The client's record, or NOT_FOUND. */
export async function requireClient(deps: C2Deps, tenantId: string, name: string): Promise<ClientRecord> {
  const record = await deps.store.getClient(tenantId, name);
  if (!record) throw new C2Error(C2ErrorCode.NotFound, `no client "${name}"`);
  return record;
}

/** The client's stored key opened: its identity key (symmetric) or Ed25519 public key (the caller wipes it). */
export function openClientKey(deps: C2Deps, record: ClientRecord): Promise<Uint8Array> {
  const { tenantId, name, keyVersion } = record;
  return deps.vault.unwrap(record.wrappedKey, { tenantId, kind: 'client', name, version: keyVersion });
}
