/**
 * Enrols many clients in one request (`POST /v1/clients/batch`, for bulk enrolment): each item as createClient does
 * (its own record, event and quota slot), at most 8 at once, and a result per item: `created` (with what creation
 * returns once: a generated key, broker credentials, a device certificate), `exists`, `exists_unverified`, or
 * `failed` with the code and message a single creation would have answered. Idempotent, so that an interrupted import
 * is run again as it was: an item whose name the tenant already has with the same mode and key (compared in constant
 * time, the stored key unwrapped; a password derived again; a public key) is `exists`: the caller's key is the
 * client's. One that asked for a generated key, whose name the tenant has in symmetric mode, is `exists_unverified`:
 * there is nothing to compare (a generated key was shown once, by the request that created it), so the caller cannot
 * take the client to hold a key it has. The same name with another key or mode, or a key the client has since
 * replaced (a new identity key), is `failed` ALREADY_EXISTS.
 */
import { equalBytes, validateSymKey } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { forEachAtMost } from '../forEachAtMost.js';
import type { Caller, ClientRecord } from '../ports.js';
import { type ClientView, clientView } from './ClientView.js';
import { type CreateClientInput, type CreatedClient, createClient } from './createClient.js';
import { inlinePasswordKeyDeriver } from './inlinePasswordKeyDeriver.js';

/** The most items of one batch. */
export const MAX_BATCH_CLIENTS = 100;
/**
 * The most items with a password: each costs an Argon2i derivation (about a second of CPU, derived again for an item
 * that exists), and a batch must answer within the API's 29 s.
 */
export const MAX_BATCH_PASSWORDS = 10;
const CONCURRENCY = 8;

export type BatchItemResult =
  | ({ readonly name: string; readonly status: 'created' } & CreatedClient)
  | { readonly name: string; readonly status: 'exists' | 'exists_unverified'; readonly client: ClientView }
  | { readonly name: string; readonly status: 'failed'; readonly error: { code: string; message: string } };

export interface BatchResult {
  readonly results: BatchItemResult[];
  readonly counts: { created: number; exists: number; existsUnverified: number; failed: number };
}

/** The key an item gives, to compare with a stored one; undefined for a generated key. */
async function givenKey(deps: C2Deps, input: CreateClientInput): Promise<Uint8Array | undefined> {
  if (input.mode === 'pubkey') return input.publicKey;
  if ('key' in input) {
    validateSymKey(input.key);
    return input.key;
  }
  if ('password' in input) return (deps.passwordKeys ?? inlinePasswordKeyDeriver).deriveSymKey(input.password);
  return undefined;
}

/** Whether the stored client is the enrolment `input` asks for: 'unverified' when the input gives no key. */
async function sameEnrolment(
  deps: C2Deps,
  record: ClientRecord,
  input: CreateClientInput,
): Promise<boolean | 'unverified'> {
  if (record.mode !== input.mode) return false;
  const given = await givenKey(deps, input);
  if (given === undefined) return 'unverified';
  const { tenantId, name, keyVersion } = record;
  const stored = await deps.vault.unwrap(record.wrappedKey, { tenantId, kind: 'client', name, version: keyVersion });
  try {
    return equalBytes(stored, given);
  } finally {
    stored.fill(0);
    if (input.mode === 'symmetric' && 'password' in input) given.fill(0);
  }
}

const INTERNAL = {
  code: 'INTERNAL',
  message: 'the C2 failed on this client: run the batch again (it is idempotent)',
} as const;

/** An item whose name exists: `exists` when it is the same enrolment, else why not. */
async function existing(deps: C2Deps, caller: Caller, input: CreateClientInput, error: C2Error) {
  const { name } = input;
  const record = await deps.store.getClient(caller.tenantId, name);
  if (!record) return { name, status: 'failed', error: { code: error.code, message: error.message } } as const;
  const same = await sameEnrolment(deps, record, input);
  if (same === 'unverified') return { name, status: 'exists_unverified', client: clientView(record) } as const;
  if (same) return { name, status: 'exists', client: clientView(record) } as const;
  const message = `client "${name}" exists with another ${record.mode === input.mode ? 'key' : 'mode'}`;
  return { name, status: 'failed', error: { code: error.code, message } } as const;
}

async function enrolOne(deps: C2Deps, caller: Caller, input: CreateClientInput): Promise<BatchItemResult> {
  const { name } = input;
  try {
    return { name, status: 'created', ...(await createClient(deps, caller, input)) };
  } catch (error) {
    // An unexpected failure fails its item only: the keys generated for the others are still returned (a 5xx would
    // lose them). The creation's event says why.
    if (!(error instanceof C2Error)) return { name, status: 'failed', error: INTERNAL };
    if (error.code !== C2ErrorCode.AlreadyExists) {
      return { name, status: 'failed', error: { code: error.code, message: error.message } };
    }
    return existing(deps, caller, input, error).catch(() => ({ name, status: 'failed', error: INTERNAL }) as const);
  }
}

export async function createClients(
  deps: C2Deps,
  caller: Caller,
  inputs: readonly CreateClientInput[],
): Promise<BatchResult> {
  if (inputs.length === 0 || inputs.length > MAX_BATCH_CLIENTS) {
    throw new C2Error(C2ErrorCode.InvalidInput, `a batch has 1 to ${MAX_BATCH_CLIENTS} clients`);
  }
  const passwords = inputs.filter((input) => input.mode === 'symmetric' && 'password' in input).length;
  if (passwords > MAX_BATCH_PASSWORDS) {
    throw new C2Error(
      C2ErrorCode.InvalidInput,
      `a batch has at most ${MAX_BATCH_PASSWORDS} clients with a password (${passwords} given): send more batches`,
    );
  }
  const names = new Set<string>();
  for (const [index, input] of inputs.entries()) {
    if (names.has(input.name)) {
      throw new C2Error(C2ErrorCode.InvalidInput, `"clients[${index}]": the name "${input.name}" is given twice`);
    }
    names.add(input.name);
  }
  const results: BatchItemResult[] = new Array(inputs.length);
  await forEachAtMost(
    CONCURRENCY,
    inputs.map((input, index) => ({ input, index })),
    async ({ input, index }) => {
      results[index] = await enrolOne(deps, caller, input);
    },
  );
  const counts = { created: 0, exists: 0, existsUnverified: 0, failed: 0 };
  for (const { status } of results) counts[status === 'exists_unverified' ? 'existsUnverified' : status]++;
  return { results, counts };
}
