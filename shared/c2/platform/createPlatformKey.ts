/**
 * Issues a platform operator key (local mode's first start, `npm start -- --new-platform-key`, `npm run
 * platform-key` after a deployment): a random key id and secret, of which only the SHA-256 of the secret is stored,
 * as an API key record of the platform's records (its `scope` field is not read: the token's class makes it a
 * platform key). The token is returned once.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { C2Deps } from '../C2Deps.js';
import { validateClientName } from '../clients/validateClientName.js';
import { audited } from '../events/audited.js';
import type { ApiKeyRecord } from '../ports.js';
import { randomBytesOf } from '../randomBytesOf.js';
import { formatPlatformKeyToken, PLATFORM_TENANT, platformKeyPrefix } from './platformKeyToken.js';

export interface CreatedPlatformKey {
  readonly keyId: string;
  readonly name: string;
  readonly prefix: string;
  /** `e4c2p.<key id>.<secret>`: shown once, never stored. */
  readonly token: string;
}

export async function createPlatformKey(deps: C2Deps, actor: string, name: string): Promise<CreatedPlatformKey> {
  const checkedName = validateClientName(name);
  const now = deps.clock();
  const keyId = bytesToHex(randomBytesOf(deps)(8));
  const secret = randomBytesOf(deps)(32);
  try {
    const token = formatPlatformKeyToken({ keyId, secret });
    const record: ApiKeyRecord = {
      keyId,
      tenantId: PLATFORM_TENANT,
      name: checkedName,
      scope: 'admin',
      secretHash: sha256(secret),
      prefix: platformKeyPrefix(token),
      createdAt: new Date(now).toISOString(),
    };
    await audited(
      deps,
      { tenantId: PLATFORM_TENANT, actor },
      'platformkey.create',
      { type: 'apikey', name: keyId },
      async () => {
        await deps.store.createApiKey(record);
        return { value: undefined, details: { name: checkedName, prefix: record.prefix } };
      },
    );
    return { keyId, name: checkedName, prefix: record.prefix, token };
  } finally {
    secret.fill(0);
  }
}
