/**
 * Gives a client a new identity key (E4's NewClientKey), as an operation (see operations/identityKeyOperation.ts):
 * recorded before anything is sent, then carried out by the worker: the new key kept pending on the client, sent in
 * SetIDKey, put in force once the broker took it, then the client's topic keys sent again under it (and in
 * public-key mode its new public key to its topic peers). With an idempotency key, a retry of the request answers
 * with the operation the first one started.
 */
import type { C2Deps } from '../C2Deps.js';
import { refusalAudited } from '../events/audited.js';
import { type StartedOperation, startOperation } from '../operations/startOperation.js';
import type { Caller, ClientRecord, KeyBinding } from '../ports.js';
import { type ClientView, clientView } from './ClientView.js';
import { requireClient } from './requireClient.js';
import { validateClientName } from './validateClientName.js';

export interface IdentityKeyStarted extends StartedOperation {
  /** The client as it is when the new key is asked for (its key version goes up once the key is in force). */
  readonly client: ClientView;
}

export async function newClientKey(
  deps: C2Deps,
  caller: Caller,
  nameInput: string,
  options: { readonly idempotencyKey?: string } = {},
): Promise<IdentityKeyStarted> {
  const name = validateClientName(nameInput);
  const target = { type: 'client', name } as const;
  return refusalAudited(deps, caller, 'client.identityKey', target, async () => {
    const client = await requireClient(deps, caller.tenantId, name);
    const started = await startOperation(deps, caller, {
      kind: 'client.identityKey',
      target,
      mintsKey: false,
      ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
    });
    return { client: clientView(client), ...started };
  });
}

/** What a pending identity key is bound to (the operation and the receipt handler open it). */
export const pendingBinding = (client: ClientRecord, version: number): KeyBinding => ({
  tenantId: client.tenantId,
  kind: 'client-pending',
  name: client.name,
  version,
});
