/** The tenant's C2 key pair (public-key mode): its public key, and its rotation. */
import type { C2KeyView } from '../../../shared/c2/c2key/getC2PublicKey.js';
import { getC2PublicKey } from '../../../shared/c2/c2key/getC2PublicKey.js';
import { rotateC2Key } from '../../../shared/c2/c2key/rotateC2Key.js';
import { operationView } from '../../../shared/c2/operations/OperationView.js';
import { C2KeyViewSchema, RotatedC2KeySchema } from '../../../shared/c2/schemas/c2key.js';
import { toBase64 } from '../../../shared/e4/index.js';
import { type ApiRoute, defineRoute } from '../defineRoute.js';

const withBase64 = (view: C2KeyView) => ({ ...view, publicKey: toBase64(view.publicKey) });

export const keyRoutes: readonly ApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/keys/c2',
    scope: 'read-only',
    operationId: 'getC2PublicKey',
    summary:
      "The tenant's C2 public key (Curve25519), which public-key devices are configured with (made on first " +
      'request). pendingVersion: a rotation cut short.',
    response: C2KeyViewSchema,
    run: async (deps, caller) => withBase64(await getC2PublicKey(deps, caller)),
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/keys/c2/rotate',
    scope: 'operator',
    operationId: 'rotateC2Key',
    summary:
      'A new C2 key pair, as an operation (202; follow it at /v1/operations/{id}), fenced against every other ' +
      'fan-out of the tenant (their commands wait until the new key is in force): SetC2Key (the new public key) ' +
      'sent to every public-key client, protected with the current key; the new key replaces it only once the ' +
      'broker took every command (else the operation ends partial and the key stays pending: a new rotation sends ' +
      "it again). Then each client's topic keys are sent again under it (a client.resync operation each). Two " +
      'rotations run one after the other. With an Idempotency-Key, a retry answers with the operation the first ' +
      'request started.',
    startsOperation: true,
    response: RotatedC2KeySchema,
    run: async (deps, caller, { idempotencyKey }) => {
      const started = await rotateC2Key(deps, caller, idempotencyKey === undefined ? {} : { idempotencyKey });
      return { c2Key: withBase64(started.c2Key), operation: operationView(started.operation) };
    },
  }),
];
