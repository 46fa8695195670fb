/** The tenant's C2 key pair (public-key mode): its public key, and its rotation. */
import type { C2KeyView } from '../../../shared/c2/c2key/getC2PublicKey.js';
import { getC2PublicKey } from '../../../shared/c2/c2key/getC2PublicKey.js';
import { rotateC2Key } from '../../../shared/c2/c2key/rotateC2Key.js';
import { C2KeyViewSchema, RotatedC2KeySchema } from '../../../shared/c2/schemas/c2key.js';
import { toBase64 } from '../../../shared/e4/index.js';
import { type ApiRoute, defineRoute } from '../defineRoute.js';

const withBase64 = (view: C2KeyView) => ({ ...view, publicKey: toBase64(view.publicKey) });

export const keyRoutes: readonly ApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/keys/c2',
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
    operationId: 'rotateC2Key',
    summary:
      'A new C2 key pair: SetC2Key (the new public key) is sent to every public-key client, protected with the ' +
      'current key; the new key replaces it only if the broker took every command (else 503 DELIVERY_FAILED: it ' +
      'stays pending). A rotation cut short is finished by calling it again.',
    response: RotatedC2KeySchema,
    run: async (deps, caller) => {
      const { c2Key, delivery } = await rotateC2Key(deps, caller);
      return { c2Key: withBase64(c2Key), delivery };
    },
  }),
];
