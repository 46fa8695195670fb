/**
 * Revokes an API key: refused from then on; its record stays (listed as revoked, named in the event log). A key
 * revoked already is answered as it is, and not recorded again. The tenant keeps at least one usable admin key
 * (else LAST_ADMIN_KEY, 409): checked before, and again after the write, which is undone when no admin key is left
 * (two concurrent revocations of the last two admin keys both see none left and both undo theirs: both answer 409
 * and both keys stay). A crash between the write and the check can leave no admin key: `npm run api-key` (AWS) or
 * `npm start -- --new-admin-key` (local mode) makes one.
 */
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { audited } from '../events/audited.js';
import type { Caller } from '../ports.js';
import { type ApiKeyView, apiKeyStatus, apiKeyView } from './ApiKeyView.js';
import { countUsableAdminKeys } from './countUsableAdminKeys.js';
import { requireApiKey } from './requireApiKey.js';

export async function revokeApiKey(deps: C2Deps, caller: Caller, keyId: string): Promise<ApiKeyView> {
  const { tenantId } = caller;
  const record = await requireApiKey(deps, tenantId, keyId);
  const now = deps.clock();
  if (record.revokedAt !== undefined) return apiKeyView(record, now);
  const adminInUse = record.scope === 'admin' && apiKeyStatus(record, now) === 'active';
  const lastAdmin = () =>
    new C2Error(
      C2ErrorCode.LastAdminKey,
      `API key "${keyId}" is the last admin key of the tenant: create another first`,
    );
  const revokedAt = new Date(now).toISOString();
  await audited(deps, caller, 'apikey.revoke', { type: 'apikey', name: keyId }, async () => {
    if (adminInUse && (await countUsableAdminKeys(deps, tenantId, now)) <= 1) throw lastAdmin();
    await deps.store.revokeApiKey(tenantId, keyId, revokedAt);
    if (adminInUse && (await countUsableAdminKeys(deps, tenantId, now)) === 0) {
      await deps.store.unrevokeApiKey(tenantId, keyId, revokedAt);
      throw lastAdmin();
    }
    return { value: undefined, details: { name: record.name, scope: record.scope, prefix: record.prefix } };
  });
  return apiKeyView({ ...record, revokedAt }, now);
}
