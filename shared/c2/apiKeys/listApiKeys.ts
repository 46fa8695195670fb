import type { C2Deps } from '../C2Deps.js';
import { mapPage } from '../pages.js';
import type { Caller, Page, PageRequest } from '../ports.js';
import { validatePageRequest } from '../validatePageRequest.js';
import { type ApiKeyView, apiKeyView } from './ApiKeyView.js';

/** The tenant's API keys in key id order, revoked ones included, a page at a time (never a secret or hash). */
export async function listApiKeys(deps: C2Deps, caller: Caller, page: PageRequest): Promise<Page<ApiKeyView>> {
  const result = await deps.store.listApiKeys(caller.tenantId, validatePageRequest(page));
  const now = deps.clock();
  return mapPage(result, (record) => apiKeyView(record, now));
}
