/**
 * What `e4c2 login` learns of a key from the C2 before it stores it: that the C2 takes it (a 401 stops the login),
 * and its scope. A tenant key: GET /v1/keys/api/<its id> answers an admin key (with its name); for the others, GET
 * /v1/limits answers operator and read-only keys, refuses (403 FORBIDDEN) enrolment keys. A platform key: GET
 * /v1/tenants. Nothing is written to the C2.
 */
import { Api } from '../api/Api.js';
import { CliError, usageError } from '../CliError.js';
import { type ApiKeyTokenInfo, apiKeyTokenInfo } from '../config/apiKeyToken.js';

export interface CheckedApiKey {
  readonly kind: ApiKeyTokenInfo['kind'];
  /** The tenant of a tenant key. */
  readonly tenant?: string;
  readonly keyId: string;
  /** admin, "operator or read-only", enrol, or platform. */
  readonly scope: string;
  /** The key's name (known for admin keys). */
  readonly name?: string;
}

const forbidden = (error: unknown) => error instanceof CliError && error.code === 'FORBIDDEN';

export async function checkApiKey(apiUrl: string, token: string): Promise<CheckedApiKey> {
  const info = apiKeyTokenInfo(token);
  if (!info) {
    throw usageError('this is not an e4c2 API key (e4c2.<tenant>.<key id>.<secret> or e4c2p.<key id>.<secret>)');
  }
  const api = new Api({ apiUrl, apiKey: token });
  if (info.kind === 'platform') {
    await api.call((client) => client.GET('/v1/tenants', { params: { query: { limit: 1 } } }));
    return { kind: 'platform', keyId: info.keyId, scope: 'platform' };
  }
  const { tenant, keyId } = info;
  try {
    const key = await api.call((client) => client.GET('/v1/keys/api/{keyId}', { params: { path: { keyId } } }));
    return { kind: 'tenant', tenant, keyId, scope: key.scope, name: key.name };
  } catch (error) {
    if (!forbidden(error)) throw error;
  }
  try {
    await api.call((client) => client.GET('/v1/limits'));
    return { kind: 'tenant', tenant, keyId, scope: 'operator or read-only' };
  } catch (error) {
    if (!forbidden(error)) throw error;
    return { kind: 'tenant', tenant, keyId, scope: 'enrol' };
  }
}
