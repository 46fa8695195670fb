/**
 * From what the operator types to the ids in API paths. A client is named or given by its E4 id, a topic by itself
 * or its hash: E4 ids are SHA3-256(name)[0:16], computed here, so naming costs no request. 32 hex characters are
 * read as an id (or hash); `name:` in front reads the rest as a name or topic whatever it looks like
 * (`name:0123...`). Other ids (operations, policies, API keys, tenants) are checked against their format before a
 * path is built: a malformed one is a usage error (exit 2), not a request.
 */
import { bytesToHex, hashIdAlias, hashTopic } from '../../shared/e4/index.js';
import { usageError } from '../CliError.js';

const HEX_ID = /^[0-9a-fA-F]{32}$/;
const NAME_PREFIX = 'name:';

export interface Ref {
  /** The id (client) or hash (topic), 32 lowercase hex characters. */
  readonly id: string;
  /** The name or topic when one was given. */
  readonly name?: string;
  /** How messages speak of it: `client "alice"`, `topic 0123...`. */
  readonly label: string;
}

function refOf(kind: 'client' | 'topic', value: string, hash: (name: string) => Uint8Array): Ref {
  if (value === '') throw usageError(`a ${kind} ${kind === 'client' ? 'name or id' : 'or its hash'} is required`);
  if (HEX_ID.test(value)) return { id: value.toLowerCase(), label: `${kind} ${value.toLowerCase()}` };
  const name = value.startsWith(NAME_PREFIX) ? value.slice(NAME_PREFIX.length) : value;
  if (name === '') throw usageError(`"${value}": a name is required after "name:"`);
  return { id: bytesToHex(hash(name)), name, label: `${kind} "${name}"` };
}

/** A client by name or E4 id. */
export const clientRef = (value: string): Ref => refOf('client', value, hashIdAlias);

/** A topic by itself or its E4 hash. */
export const topicRef = (value: string): Ref => refOf('topic', value, hashTopic);

function checked(kind: string, pattern: RegExp, value: string, hint: string): string {
  if (!pattern.test(value)) throw usageError(`"${value}" is not ${kind} (${hint})`);
  return value;
}

const ULID = /^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$/;

export const operationIdOf = (value: string): string =>
  checked('an operation id', ULID, value, '26 characters of Crockford base32').toUpperCase();
export const policyIdOf = (value: string): string =>
  checked('a policy id', ULID, value, '26 characters of Crockford base32').toUpperCase();
export const apiKeyIdOf = (value: string): string =>
  checked('an API key id', /^[0-9a-f]{16}$/, value.toLowerCase(), '16 hex characters');
export const tenantIdOf = (value: string): string =>
  checked('a tenant id', /^[a-z0-9][a-z0-9-]{0,62}$/, value, 'lowercase letters, digits and -, up to 63');
