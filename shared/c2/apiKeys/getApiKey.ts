import type { C2Deps } from '../C2Deps.js';
import type { Caller } from '../ports.js';
import { type ApiKeyView, apiKeyView } from './ApiKeyView.js';
import { requireApiKey } from './requireApiKey.js';

/** One API key of the caller's tenant (never its secret or hash); NOT_FOUND when there is none. */
export async function getApiKey(deps: C2Deps, caller: Caller, keyId: string): Promise<ApiKeyView> {
  return apiKeyView(await requireApiKey(deps, caller.tenantId, keyId), deps.clock());
}
