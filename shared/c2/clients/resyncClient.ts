/**
 * A client's topic keys sent again. `resyncClient` starts a resync operation (for a device that was offline longer
 * than the 10 minutes a command stays valid, or that lost its state: the API, and a device's return, see
 * acceptReturn.ts).
 */
import type { C2Deps } from '../C2Deps.js';
import { refusalAudited } from '../events/audited.js';
import { type StartedOperation, startOperation } from '../operations/startOperation.js';
import type { Caller } from '../ports.js';
import { requireClient } from './requireClient.js';
import { validateClientName } from './validateClientName.js';

/**
 * Starts a resync of the client, as an operation (see operations/resyncOperation.ts): recorded, then carried out by
 * the worker, which sends the device the current key of each of its topics that it has not confirmed holding (and,
 * in public-key mode, its peers' public keys). NOT_FOUND for an unknown client, before anything is recorded.
 */
export async function resyncClient(
  deps: C2Deps,
  caller: Caller,
  nameInput: string,
  options: { readonly idempotencyKey?: string } = {},
): Promise<StartedOperation> {
  const name = validateClientName(nameInput);
  const target = { type: 'client', name } as const;
  return refusalAudited(deps, caller, 'client.resync', target, async () => {
    await requireClient(deps, caller.tenantId, name);
    return startOperation(deps, caller, {
      kind: 'client.resync',
      target,
      mintsKey: false,
      ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
    });
  });
}
