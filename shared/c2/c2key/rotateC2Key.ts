/**
 * A new C2 key pair (E4's NewC2Key), as an operation (see operations/c2KeyOperation.ts): recorded before anything is
 * sent, then carried out by the worker under the tenant's fence (no other fan-out of the tenant sends meanwhile,
 * c2key/tenantFence.ts): the new key kept pending, SetC2Key to every public-key client however many (E4 stopped after
 * 100 and cut the others off), the key put in force only once the broker took every command, then each client's
 * topic keys sent again under it. Two rotations run one after the other. With an idempotency key, a retry of the
 * request answers with the operation the first one started.
 */
import type { C2Deps } from '../C2Deps.js';
import { refusalAudited } from '../events/audited.js';
import { type StartedOperation, startOperation } from '../operations/startOperation.js';
import type { Caller } from '../ports.js';
import { type C2KeyView, getC2PublicKey } from './getC2PublicKey.js';

export interface C2KeyRotationStarted extends StartedOperation {
  /** The C2 key as it is when the rotation is asked for. */
  readonly c2Key: C2KeyView;
}

export async function rotateC2Key(
  deps: C2Deps,
  caller: Caller,
  options: { readonly idempotencyKey?: string } = {},
): Promise<C2KeyRotationStarted> {
  const target = { type: 'c2key', name: 'c2' } as const;
  return refusalAudited(deps, caller, 'c2key.rotate', target, async () => {
    const c2Key = await getC2PublicKey(deps, caller);
    const started = await startOperation(deps, caller, {
      kind: 'c2key.rotate',
      target,
      mintsKey: false,
      ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
    });
    return { c2Key, ...started };
  });
}
