/** The tenant's C2 key pair (public-key mode): only its public part is ever shown. */
import * as z from 'zod';
import { hexBytes, isoTime } from './common.js';
import { operationResponse } from './operations.js';

export const C2KeyViewSchema = z
  .strictObject({
    publicKey: z.base64().length(44).meta({
      description: "The C2's Curve25519 public key (32 bytes, base64): configure public-key devices with it.",
    }),
    fingerprint: hexBytes(8).meta({ description: 'The first 8 bytes of the public key (hex), to compare by eye.' }),
    keyVersion: z.number().int().min(1),
    updatedAt: isoTime(),
    pendingVersion: z
      .number()
      .int()
      .min(2)
      .optional()
      .meta({ description: 'A new key still being sent to the clients (a rotation cut short: rotate again).' }),
  })
  .meta({ id: 'C2Key' });

export const RotatedC2KeySchema = operationResponse({
  c2Key: C2KeyViewSchema.meta({ description: 'The C2 key when the rotation was asked for.' }),
});
