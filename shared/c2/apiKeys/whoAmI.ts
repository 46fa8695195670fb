/**
 * Who is calling: the tenant, key id and scope of the caller's own API key (a platform key's scope is `platform`),
 * with its name and times. Any key may ask, an `enrol` or `platform` one too, so that a client (the web UI, the CLI)
 * can show what a key may do without trying. Never a secret or its hash.
 */
import type { C2Deps } from '../C2Deps.js';
import type { Principal, PrincipalScope } from '../ports.js';
import { requireApiKey } from './requireApiKey.js';

export interface WhoAmI {
  readonly tenantId: string;
  readonly keyId: string;
  readonly scope: PrincipalScope;
  readonly name: string;
  readonly createdAt: string;
  readonly expiresAt?: string;
}

export async function whoAmI(deps: C2Deps, caller: Principal): Promise<WhoAmI> {
  const record = await requireApiKey(deps, caller.tenantId, caller.keyId);
  return {
    tenantId: caller.tenantId,
    keyId: caller.keyId,
    scope: caller.scope,
    name: record.name,
    createdAt: record.createdAt,
    ...(record.expiresAt === undefined ? {} : { expiresAt: record.expiresAt }),
  };
}
