/**
 * The API handler over the local adapters (dynalite, keyring, aedes), with an API key of one tenant and the log
 * lines it wrote. Shared by the API suites.
 */
import type { ApiLogEntry } from '../../../functions/api/ApiLogger.js';
import { type ApiHandler, type ApiHandlerOptions, createApiHandler } from '../../../functions/api/createApiHandler.js';
import type { ApiKeyScope } from '../../../shared/c2/apiKeys/ApiKeyScope.js';
import { createApiKey } from '../../../shared/c2/apiKeys/createApiKey.js';
import type { OperationView } from '../../../shared/c2/operations/OperationView.js';
import { ErrorBodySchema } from '../../../shared/c2/schemas/common.js';
import { type ApiAnswer, type ApiCallOptions, call } from '../../support/apiEvent.js';
import { callerOf } from '../../support/callerOf.js';
import { type LocalC2, startLocalC2 } from '../../support/localC2.js';
import { operationFinishedOverHttp } from '../../support/operationFinishedOverHttp.js';
import { recordSecret } from '../../support/recordedSecrets.js';

export interface ApiFixture {
  readonly c2: LocalC2;
  readonly handler: ApiHandler;
  /** An API key of `tenantId`. */
  readonly token: string;
  readonly tenantId: string;
  /** What the handler logged. */
  readonly logs: ApiLogEntry[];
  /** `call` with the fixture's token unless `options.token` is given (null: no token). */
  call(
    method: string,
    target: string,
    options?: Omit<ApiCallOptions, 'token'> & { token?: string | null },
  ): Promise<ApiAnswer>;
  /** The operation once finished, read through the API with the fixture's token (the C2's worker carries it out). */
  operationFinished(operationId: string): Promise<OperationView>;
  /** A token of a tenant of the same C2, of scope admin unless told. */
  tokenOf(tenantId: string, scope?: ApiKeyScope): Promise<string>;
  close(): Promise<void>;
}

export async function startApiFixture(
  options: { tenantId?: string; clock?: () => number; handler?: Omit<ApiHandlerOptions, 'log'> } = {},
): Promise<ApiFixture> {
  const tenantId = options.tenantId ?? 'tenant-api';
  const c2 = await startLocalC2(options.clock ? { clock: options.clock } : {});
  const logs: ApiLogEntry[] = [];
  const handler = createApiHandler(c2.deps, { ...options.handler, log: (entry) => logs.push(entry) });
  const tokenOf = async (tenant: string, scope: ApiKeyScope = 'admin') => {
    const { token } = await createApiKey(c2.deps, callerOf(tenant), { name: `${scope} key of ${tenant}`, scope });
    recordSecret(token);
    return token;
  };
  const token = await tokenOf(tenantId);
  const callAs: ApiFixture['call'] = (method, target, callOptions = {}) => {
    const { token: given, ...rest } = callOptions;
    const chosen = given === null ? undefined : (given ?? token);
    return call(handler, method, target, { ...rest, ...(chosen === undefined ? {} : { token: chosen }) });
  };
  return {
    c2,
    handler,
    token,
    tenantId,
    logs,
    call: callAs,
    operationFinished: (operationId) => operationFinishedOverHttp((path) => callAs('GET', path), operationId),
    tokenOf,
    close: () => c2.close(),
  };
}

/**
 * Asserts the error shape (the documented schema: a code, a message, no other field but the optional details) and
 * returns the code (the caller asserts the status and code).
 */
export function errorCodeOf(answer: ApiAnswer): string {
  const { json } = answer;
  if (answer.headers['content-type'] !== 'application/json' || !ErrorBodySchema.safeParse(json).success) {
    throw new Error(`not an error response: ${answer.status} ${answer.raw.slice(0, 200)}`);
  }
  return json.error.code;
}
