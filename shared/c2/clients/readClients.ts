/** Reading clients: one by name, a page in id order, those whose name starts with a prefix, the count. Keys never leave. */
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

/** The clients whose name starts with `prefix` (checked as a name), in id order; a page may be short (ports.ts). */
export async function findClients(
  deps: C2Deps,
  caller: Caller,
  prefix: string,
  page: PageRequest,
): Promise<Page<ClientView>> {
  const checked = validateClientName(prefix);
  return mapPage(
    await deps.store.findClientsByNamePrefix(caller.tenantId, checked, validatePageRequest(page)),
    clientView,
  );
}

export function countClients(deps: C2Deps, caller: Caller): Promise<number> {
  return deps.store.countClients(caller.tenantId);
}
