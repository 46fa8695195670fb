/**
 * Clients (devices): create, read, list, remove, reset, new identity key, resync. Keys appear only in the creation
 * request and, once, a generated key. Paths address a client by its id (URL-safe), never by its name.
 */
import * as z from 'zod';
import type { CreateClientInput } from '../clients/createClient.js';
import { MAX_BATCH_CLIENTS } from '../clients/createClients.js';
import { base64Bytes, hexBytes, hexIdParam, isoTime, lookupOrPrefixQuery, pageOf, utf8Text } from './common.js';
import { operationResponse } from './operations.js';

/** The longest client name, in bytes of UTF-8. */
export const MAX_CLIENT_NAME_BYTES = 255;
export const ClientNameSchema = utf8Text(MAX_CLIENT_NAME_BYTES);

/** `{clientId}`: the `id` of the client's view. */
export const ClientIdSchema = hexIdParam(
  16,
  "The client's id: lowercase hex of SHA3-256(name)[0:16] (the `id` of the client).",
);

export const ClientIdParamsSchema = z.strictObject({ clientId: ClientIdSchema });

/**
 * `GET /v1/clients`: a page, with `name` the client of that name (a page of zero or one), or with `namePrefix` the
 * clients whose name starts with it.
 */
export const ClientListQuerySchema = lookupOrPrefixQuery('name', 'namePrefix', ClientNameSchema, {
  lookup: 'Only the client of this name (URL-encoded): a page of zero or one client, never a cursor.',
  prefix:
    'Only the clients whose name starts with this (URL-encoded, 1 to 255 bytes of UTF-8), in id order. The ' +
    "tenant's clients are read and filtered (no index sorts them by name): a page may be short, even empty, while " +
    'a cursor says more may follow.',
});

const KEY_SOURCES = ['key', 'password', 'generateKey', 'publicKey'] as const;

/**
 * `{ name, mode?, key? | password? | generateKey? | publicKey? }`: exactly one key source, `publicKey` for mode
 * `pubkey` (the default mode is `symmetric`). Decodes to the input of the createClient use case.
 */
export const CreateClientBodySchema = z
  .strictObject({
    name: ClientNameSchema,
    mode: z.enum(['symmetric', 'pubkey'], { error: 'must be "symmetric" or "pubkey"' }).optional(),
    key: base64Bytes(32).optional().meta({ description: 'The 32-byte symmetric key of the client.' }),
    password: z
      .string({ error: 'must be a string of at most 1024 characters' })
      .max(1024, { error: 'must be a string of at most 1024 characters' })
      .optional()
      .meta({ description: 'A password from which the key is derived (Argon2i, as e4go).' }),
    generateKey: z
      .literal(true, { error: 'must be true when present' })
      .optional()
      .meta({ description: 'Generate the key here; it is returned once, in this response.' }),
    publicKey: base64Bytes(32).optional().meta({ description: 'The Ed25519 public key of a pubkey-mode client.' }),
    provisionDevice: z
      .boolean({ error: 'must be a boolean' })
      .optional()
      .meta({
        description:
          'Also create its AWS IoT thing and certificate, attached to the device policy (AWS deployment only); ' +
          'the certificate and its private key are returned once, in this response.',
      }),
  })
  .superRefine((body, ctx) => {
    const sources = KEY_SOURCES.filter((source) => body[source] !== undefined);
    if (sources.length !== 1) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of "key", "password", "generateKey" or "publicKey"' });
    } else if ((body.mode === 'pubkey') !== (sources[0] === 'publicKey')) {
      ctx.addIssue({ code: 'custom', message: '"publicKey" goes with mode "pubkey", and only with it' });
    }
  })
  .transform((body): CreateClientInput => {
    const { name } = body;
    const provision = body.provisionDevice ? { provisionDevice: true } : {};
    if (body.publicKey) return { name, mode: 'pubkey', publicKey: body.publicKey, ...provision };
    if (body.key) return { name, mode: 'symmetric', key: body.key, ...provision };
    if (body.password !== undefined) return { name, mode: 'symmetric', password: body.password, ...provision };
    return { name, mode: 'symmetric', generateKey: true, ...provision };
  });

export const ClientViewSchema = z
  .strictObject({
    name: z.string(),
    id: hexBytes(16).meta({ description: 'E4 id (hex); the control topic of the client is e4/<id>.' }),
    mode: z.enum(['symmetric', 'pubkey']),
    keyVersion: z.number().int().min(1),
    pendingKeyVersion: z
      .number()
      .int()
      .min(2)
      .optional()
      .meta({ description: 'A new identity key sent but not yet in force: POST .../identity-key again to finish.' }),
    createdAt: isoTime(),
    updatedAt: isoTime(),
    lastSeenAt: isoTime()
      .optional()
      .meta({
        description:
          'When the C2 last heard from the device (a receipt), to the minute for symmetric clients. Absent: never ' +
          '(a device that sends no receipts, such as e4go).',
      }),
    rekeyOnReturn: z
      .literal(true)
      .optional()
      .meta({
        description:
          'Enrolled by trust on first use (POST /v1/enrol): the device gets a new identity key as soon as it comes ' +
          'back (connects and subscribes); the flag is gone once that key is in force.',
      }),
  })
  .meta({ id: 'Client' });

/** A device's credentials for local mode's embedded broker. */
export const MqttCredentialsSchema = z
  .strictObject({
    username: z.string().meta({ description: '`e4c2-<tenant>-<hex client id>`' }),
    password: z.string().meta({ description: 'Shown this once; only its SHA-256 is stored.' }),
  })
  .meta({ id: 'MqttCredentials' });

export const CreatedClientSchema = z.strictObject({
  client: ClientViewSchema,
  key: z
    .base64()
    .length(44)
    .optional()
    .meta({ description: 'The generated key (only with generateKey): shown this once, never again.' }),
  device: z
    .strictObject({
      thingName: z.string(),
      certificateArn: z.string(),
      certificateId: z.string(),
      certificatePem: z.string(),
      privateKey: z.string().meta({ description: 'PEM; shown this once, never stored.' }),
    })
    .optional()
    .meta({ description: 'Only with provisionDevice: how the device connects to AWS IoT Core.' }),
  mqtt: MqttCredentialsSchema.optional().meta({
    description: "Local mode's embedded broker only: the device's broker credentials, the password shown this once.",
  }),
});

/** `POST /v1/clients/batch`: up to MAX_BATCH_CLIENTS creation bodies, names distinct. */
export const CreateClientsBodySchema = z.strictObject({
  clients: z
    .array(CreateClientBodySchema)
    .min(1, { error: `must hold 1 to ${MAX_BATCH_CLIENTS} clients` })
    .max(MAX_BATCH_CLIENTS, { error: `must hold 1 to ${MAX_BATCH_CLIENTS} clients` })
    .meta({ description: `The clients to enrol, as for POST /v1/clients: 1 to ${MAX_BATCH_CLIENTS}, names distinct.` }),
});

export const ClientBatchResultSchema = z.strictObject({
  results: z
    .array(
      CreatedClientSchema.partial({ client: true }).extend({
        name: z.string(),
        status: z.enum(['created', 'exists', 'exists_unverified', 'failed']).meta({
          description:
            'created: enrolled now (key, mqtt, device shown this once); exists: the tenant has this client with the ' +
            "same mode and key (compared): it holds the item's key, nothing changed; exists_unverified: the item " +
            'asked for a generated key and the tenant has a symmetric client of this name: nothing to compare, so ' +
            'whether it holds a key the caller has is unknown (its key was shown once, when it was created), nothing ' +
            'changed; failed: see error (ALREADY_EXISTS for the name held with another key or mode).',
        }),
        error: z
          .strictObject({ code: z.string(), message: z.string() })
          .optional()
          .meta({ description: 'Why the item failed: the code and message POST /v1/clients would have answered.' }),
      }),
    )
    .meta({ description: 'One result per item, in the order of the request.' }),
  counts: z.strictObject({
    created: z.number().int().min(0),
    exists: z.number().int().min(0),
    existsUnverified: z.number().int().min(0).meta({ description: 'Items answered exists_unverified.' }),
    failed: z.number().int().min(0),
  }),
});

export const ClientPageSchema = pageOf(ClientViewSchema);

/** A client with the number of topics it is on. */
export const ClientDetailSchema = ClientViewSchema.extend({
  topicCount: z.number().int().min(0).meta({ description: 'The number of topics the client is on.' }),
});

/** A client taken off every topic (delete, reset). */
/** A deletion or reset started: the operation that carries it out (its children re-key the client's topics). */
export const ClientOperationStartedSchema = operationResponse({
  client: z.string().meta({ description: 'The client name.' }),
  rekeyed: z.boolean().meta({ description: 'Whether each of its topics is re-keyed for the clients that stay.' }),
});

/** A new identity key asked for (an operation): the key itself is never in a response. */
export const NewIdentityKeySchema = operationResponse({
  client: ClientViewSchema.meta({
    description: 'The client when the new key was asked for (its key version goes up once the key is in force).',
  }),
});

/** A resync started: the operation that sends the device what it lacks (never a key). */
export const ResyncStartedSchema = operationResponse({
  client: z.string().meta({ description: 'The client name.' }),
});

/** A client as an item of a list of a topic's clients: its name and the id that addresses it. */
export const ClientRefSchema = z.strictObject({
  name: z.string(),
  id: hexBytes(16).meta({ description: 'E4 id (hex): /v1/clients/{id}.' }),
});
