/**
 * From the ids in API paths to the names the use cases take. The HTTP API addresses a client by its E4 id and a
 * topic by its E4 hash (both SHA3-256(name)[0:16], as 32 lowercase hex characters): they are URL-safe, where names
 * (any UTF-8) and topics (usually with "/") are not, and API Gateway HTTP APIs decode the path before the Lambda
 * sees it. Scoped by tenant: another tenant's record is NOT_FOUND.
 */
import { hexToBytes } from '../e4/index.js';
import type { C2Deps } from './C2Deps.js';
import { C2Error, C2ErrorCode } from './errors.js';
import type { Caller } from './ports.js';

const ID_HEX = /^[0-9a-f]{32}$/;

function idBytes(hex: unknown, field: string): Uint8Array {
  if (typeof hex !== 'string' || !ID_HEX.test(hex)) {
    throw new C2Error(C2ErrorCode.InvalidInput, `"${field}" must be 32 lowercase hex characters`);
  }
  return hexToBytes(hex);
}

/** The name of the client whose id is `idHex`; NOT_FOUND when the tenant has none. */
export async function clientNameOfId(deps: C2Deps, caller: Caller, idHex: string): Promise<string> {
  const record = await deps.store.getClientById(caller.tenantId, idBytes(idHex, 'clientId'));
  if (!record) throw new C2Error(C2ErrorCode.NotFound, `no client with id ${idHex}`);
  return record.name;
}

/** The topic whose hash is `hashHex`; NOT_FOUND when the tenant has none. */
export async function topicOfHash(deps: C2Deps, caller: Caller, hashHex: string): Promise<string> {
  const record = await deps.store.getTopicByHash(caller.tenantId, idBytes(hashHex, 'topicHash'));
  if (!record) throw new C2Error(C2ErrorCode.NotFound, `no topic with hash ${hashHex}`);
  return record.topic;
}
