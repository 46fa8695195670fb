import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import type { ApiKeyRecord } from '../ports.js';

const KEY_ID_PATTERN = /^[0-9a-f]{16}$/;

/** The tenant's API key of that id, or a {@link C2Error} NOT_FOUND (also for an id that is not 16 hex digits). */
export async function requireApiKey(deps: C2Deps, tenantId: string, keyId: string): Promise<ApiKeyRecord> {
  const record = KEY_ID_PATTERN.test(keyId) ? await deps.store.getApiKey(tenantId, keyId) : undefined;
  if (!record) throw new C2Error(C2ErrorCode.NotFound, `no API key "${keyId}"`);
  return record;
}
