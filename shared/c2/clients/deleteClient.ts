/**
 * Deletes or resets a client, as an operation: recorded before anything is sent, carried out by the worker
 * (operations/clientOperation.ts): the client taken off every topic (each re-keyed for the clients that remain, by a
 * child `link.delete` operation per topic, unless `rekey` is false: E4 deleted the record and told no one, so the
 * device kept working keys), told to forget its topic keys and public keys (ResetTopics, ResetPubKeys), then, for a
 * deletion, its device deprovisioned and its record deleted. A reset keeps the client enrolled (E4's ResetClient
 * sent ResetTopics and kept the links, so the C2 went on sending it the keys of later rotations).
 */
import type { C2Deps } from '../C2Deps.js';
import { checkRekey } from '../checkRekey.js';
import { refusalAudited } from '../events/audited.js';
import { type StartedOperation, startOperation } from '../operations/startOperation.js';
import type { Caller } from '../ports.js';
import { requireClient } from './requireClient.js';
import { validateClientName } from './validateClientName.js';

export interface ClientOperationStarted extends StartedOperation {
  readonly client: string;
  readonly rekeyed: boolean;
}

export interface ClientOperationInput {
  readonly name: string;
  /** Re-key each of its topics for the clients that stay (default true). */
  readonly rekey?: boolean;
}

export function deleteClient(
  deps: C2Deps,
  caller: Caller,
  input: ClientOperationInput,
  options: { readonly idempotencyKey?: string } = {},
): Promise<ClientOperationStarted> {
  return startClientOperation(deps, caller, input, 'client.delete', options);
}

export function resetClient(
  deps: C2Deps,
  caller: Caller,
  input: ClientOperationInput,
  options: { readonly idempotencyKey?: string } = {},
): Promise<ClientOperationStarted> {
  return startClientOperation(deps, caller, input, 'client.reset', options);
}

/** The client must exist (NOT_FOUND, audited, before anything is recorded). */
async function startClientOperation(
  deps: C2Deps,
  caller: Caller,
  input: ClientOperationInput,
  kind: 'client.delete' | 'client.reset',
  options: { readonly idempotencyKey?: string },
): Promise<ClientOperationStarted> {
  const name = validateClientName(input?.name);
  const rekey = checkRekey(input.rekey);
  const target = { type: 'client', name } as const;
  return refusalAudited(deps, caller, kind, target, async () => {
    await requireClient(deps, caller.tenantId, name);
    const started = await startOperation(deps, caller, {
      kind,
      target,
      mintsKey: false,
      options: { rekey },
      ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
    });
    // The operation's own option: a retry with the same idempotency key answers with the first request's operation.
    return { client: name, rekeyed: started.operation.options?.rekey ?? rekey, ...started };
  });
}
