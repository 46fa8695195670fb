import type { C2Deps } from '../C2Deps.js';
import { eachPage } from '../pages.js';
import { apiKeyStatus } from './ApiKeyView.js';

/** How many admin keys of the tenant work at `now` (neither revoked nor expired), from a consistent read. */
export async function countUsableAdminKeys(deps: C2Deps, tenantId: string, now: number): Promise<number> {
  let count = 0;
  for await (const keys of eachPage((page) => deps.store.listApiKeys(tenantId, page))) {
    count += keys.filter((key) => key.scope === 'admin' && apiKeyStatus(key, now) === 'active').length;
  }
  return count;
}
