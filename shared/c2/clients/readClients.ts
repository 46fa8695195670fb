/** Reading clients: one by name, a page in id order, the count. Keys never leave. */
import type { C2Deps } from '../C2Deps.js';
import { mapPage } from '../pages.js';
import type { Caller, Page, PageRequest } from '../ports.js';
import { validatePageRequest } from '../validatePageRequest.js';
import { type ClientView, clientView } from './ClientView.js';
import { requireClient } from './requireClient.js';
import { validateClientName } from './validateClientName.js';

export async function getClient(deps: C2Deps, caller: Caller, name: string): Promise<ClientView> {
  return clientView(await requireClient(deps, caller.tenantId, validateClientName(name)));
}

export async function listClients(deps: C2Deps, caller: Caller, page: PageRequest): Promise<Page<ClientView>> {
  const result = await deps.store.listClients(caller.tenantId, validatePageRequest(page));
  return mapPage(result, clientView);
}

export function countClients(deps: C2Deps, caller: Caller): Promise<number> {
  return deps.store.countClients(caller.tenantId);
}
