/**
 * The HTTP API of the C2 as one Lambda handler (API Gateway HTTP API, payload 2.0), also run by local mode over
 * node:http: middy + @middy/http-router over the route table. Per request: route (404/405), authenticate (401), count
 * it against the tenant's request rate (429 with Retry-After), authorize against the route's scope (403), parse with
 * the route's schemas (4xx), run the use case, check the response against its schema, respond JSON (or JSON lines).
 * Every error goes through errorResponse (the one code -> status table in httpStatusOf).
 */
import middy from '@middy/core';
import httpRouterHandler from '@middy/http-router';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { PRINCIPAL_SCOPES, scopeGrants } from '../../shared/c2/apiKeys/ApiKeyScope.js';
import type { C2Deps } from '../../shared/c2/C2Deps.js';
import { C2Error, C2ErrorCode } from '../../shared/c2/errors.js';
import { type RequestRateLimiter, requestRateLimiter } from '../../shared/c2/limits/requestRateLimiter.js';
import type { Principal } from '../../shared/c2/ports.js';
import type { C2DepsFor } from '../C2DepsFor.js';
import { ApiError, HttpErrorCode } from './ApiError.js';
import { type ApiLogger, consoleApiLogger } from './ApiLogger.js';
import type { Authenticator } from './Authenticator.js';
import { bearerApiKeyAuthenticator } from './bearerApiKeyAuthenticator.js';
import type { ApiRoute, RouteScope } from './defineRoute.js';
import { describeError } from './describeError.js';
import { errorResponse } from './errorResponse.js';
import { jsonLinesResponse } from './jsonLinesResponse.js';
import { jsonResponse } from './jsonResponse.js';
import { parseRequest } from './parseRequest.js';
import { routeNotFound } from './routeNotFound.js';
import { routes as defaultRoutes } from './routes.js';

export type ApiHandler = (
  event: APIGatewayProxyEventV2,
  context?: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

export interface ApiHandlerOptions {
  /** Who is calling (default: an API key in `Authorization: Bearer <token>`). */
  readonly authenticate?: Authenticator;
  /** Where failures (5xx) are logged (default: a JSON line on stderr). */
  readonly log?: ApiLogger;
  /** The route table (default: routes.ts). */
  readonly routes?: readonly ApiRoute[];
  /** The tenants' request rate (default: requestRateLimiter over `depsFor`, store failures logged as warnings). */
  readonly limitRate?: RequestRateLimiter;
  /** Told the tenant of each request refused for its rate (a metric with the tenant as dimension). */
  readonly onRateLimited?: (tenantId: string) => void;
  /**
   * The deps a caller's route runs on, by the caller's tenant (AWS: tenant-scoped credentials, composeAwsC2.ts), and
   * the default authenticator and rate limiter use; default `deps` for every tenant. Public routes run on `deps`.
   */
  readonly depsFor?: C2DepsFor;
}

type Event = APIGatewayProxyEventV2;
type Result = APIGatewayProxyStructuredResultV2;

export function createApiHandler(deps: C2Deps, options: ApiHandlerOptions = {}): ApiHandler {
  const table = options.routes ?? defaultRoutes;
  checkTable(table);
  const depsFor = options.depsFor ?? (() => deps);
  const authenticate = options.authenticate ?? bearerApiKeyAuthenticator(depsFor);
  const log = options.log ?? consoleApiLogger;
  const limitRate =
    options.limitRate ??
    requestRateLimiter(deps, {
      depsFor,
      onStoreFailure: (error) =>
        log({
          level: 'warn',
          message: 'request rate not counted (store failure): request let through',
          error: describeError(error),
        }),
    });
  // The caller of each request in flight, for its log line should it fail (tenant and key id, never the token).
  const limited = options.onRateLimited;
  const onRateLimited = (tenantId: string) => {
    try {
      limited?.(tenantId);
    } catch {
      // A failing metric changes no answer.
    }
  };
  const gate: Gate = { authenticate, limitRate, onRateLimited, depsFor, principals: new WeakMap() };

  const router = httpRouterHandler<Event, Result>({
    routes: table.map((route) => ({
      method: route.method,
      path: route.path,
      handler: (event: Event) => runRoute(route, deps, gate, event),
    })),
    notFoundResponse: ({ path }) => {
      throw routeNotFound(table, path);
    },
  });

  const handler = middy<Event, Result>()
    .use({
      before: (request) => {
        request.event = routableEvent(request.event, table);
      },
    })
    .use({
      onError: (request) => {
        const principal = gate.principals.get(request.event);
        request.response = errorResponse(request.error, log, {
          requestId: request.context.awsRequestId,
          tenantId: principal?.tenantId,
          keyId: principal?.keyId,
        });
      },
    })
    .handler(router);

  // middy wants a context; outside Lambda (local mode, tests) there is none.
  return (event, context) => handler(event, context ?? ({} as Context));
}

/** What a request of a non-public route passes before its route runs. */
interface Gate {
  readonly authenticate: Authenticator;
  readonly limitRate: RequestRateLimiter;
  readonly onRateLimited: (tenantId: string) => void;
  /** The deps of a caller's tenant. */
  readonly depsFor: C2DepsFor;
  /** The principal of each request in flight, for its log line should it fail. */
  readonly principals: WeakMap<Event, Principal>;
}

async function runRoute(route: ApiRoute, deps: C2Deps, gate: Gate, event: Event): Promise<Result> {
  const caller = route.scope === 'public' ? undefined : await authorize(route.scope, gate, event);
  if (caller) gate.principals.set(event, caller);
  const result = await route.run(caller ? gate.depsFor(caller.tenantId) : deps, caller, parseRequest(route, event));
  const checked = route.response.safeParse(result);
  if (!checked.success) {
    const where = checked.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
    throw new Error(`the response of ${route.operationId} does not match its schema at ${where}`);
  }
  if (route.jsonLines) {
    const { lines, next } = checked.data as { lines: unknown[]; next?: string };
    return jsonLinesResponse(route.status, lines, next === undefined ? undefined : nextLink(event, next));
  }
  return jsonResponse(route.startsOperation ? operationStatus(checked.data) : route.status, checked.data);
}

/** The request's own path and query, with `cursor` set to `next`. */
function nextLink(event: Event, next: string): string {
  const query = new URLSearchParams(event.rawQueryString ?? '');
  query.set('cursor', next);
  return `<${event.rawPath}?${query}>; rel="next"`;
}

/**
 * The principal of the request, if its key grants `scope`: 401 without a usable key (one message whatever the
 * reason, so that a caller cannot tell a revoked key from an unknown one), 403 TENANT_SUSPENDED for a key of a
 * suspended tenant (or one being deleted), 429 RATE_LIMITED once its tenant's requests of the minute are spent (every
 * authenticated request of an active tenant counts, refused or not; the platform's are not counted), 403 FORBIDDEN
 * when its scope does not grant the route's (a platform key grants only platform routes, a tenant key none of them;
 * a route of scope `any` takes every valid key).
 */
async function authorize(
  scope: RouteScope,
  { authenticate, limitRate, onRateLimited }: Gate,
  event: Event,
): Promise<Principal> {
  const principal = await authenticate(event);
  if (!principal) {
    throw new ApiError(HttpErrorCode.Unauthorized, 'a valid API key is required: Authorization: Bearer <token>', {
      'www-authenticate': 'Bearer',
    });
  }
  if (principal.tenantStatus !== undefined) {
    const state = principal.tenantStatus === 'deleting' ? 'being deleted' : 'suspended';
    throw new C2Error(C2ErrorCode.TenantSuspended, `the tenant of this key is ${state}`);
  }
  const rate = principal.scope === 'platform' ? { allowed: true as const } : await limitRate(principal.tenantId);
  if (!rate.allowed) {
    onRateLimited(principal.tenantId);
    throw new ApiError(
      HttpErrorCode.RateLimited,
      `the tenant makes at most ${rate.limit} requests a minute (its requestsPerMinute): retry in ${rate.retryAfterSeconds} s`,
      { 'retry-after': String(rate.retryAfterSeconds) },
    );
  }
  if (scope !== 'any' && !scopeGrants(principal.scope, scope)) {
    const granting = PRINCIPAL_SCOPES.filter((held) => scopeGrants(held, scope)).join(' or ');
    throw new ApiError(
      HttpErrorCode.Forbidden,
      `this route needs an API key of scope ${granting}; this key's scope is ${principal.scope}`,
    );
  }
  return principal;
}

/**
 * The event as @middy/http-router should route it. The router reads `requestContext.http.path`, which some
 * producers decode; routing on `rawPath` (the path as sent, still percent-encoded) keeps `a%2Fb` one segment, which
 * parseRequest decodes once. `pathParameters` are dropped: the router fills them from the path it matched (it would
 * otherwise keep those set upstream, already decoded).
 */
function routableEvent(event: Event, table: readonly ApiRoute[]): Event {
  const http = event?.requestContext?.http;
  const method: unknown = http?.method;
  const path: unknown = typeof event?.rawPath === 'string' ? event.rawPath : http?.path;
  if (typeof method !== 'string' || typeof path !== 'string') {
    throw new Error('not an API Gateway payload 2.0 event');
  }
  // The router throws a plain Error for an empty method or path: answer those as any other unknown route.
  if (path === '' || !path.startsWith('/')) throw new ApiError(HttpErrorCode.RouteNotFound, 'no such route');
  if (method === '') throw routeNotFound(table, path);
  return {
    ...event,
    version: '2.0',
    rawPath: path,
    pathParameters: undefined,
    requestContext: { ...event.requestContext, http: { ...http, method, path } },
  };
}

function checkTable(table: readonly ApiRoute[]): void {
  const seen = new Set<string>();
  for (const route of table) {
    for (const key of [`${route.method} ${route.path}`, route.operationId]) {
      if (seen.has(key)) throw new Error(`the route table has ${key} twice`);
      seen.add(key);
    }
  }
}

/**
 * 202 while an operation of the answer (`operation`, or one of `operations`: a policy's run) goes on; 200 once they
 * have finished, or when the change made none.
 */
function operationStatus(body: unknown): number {
  const { operation, operations = [] } = body as { operation?: Unfinished; operations?: Unfinished[] };
  return [...(operation ? [operation] : []), ...operations].some((one) => one.finishedAt === undefined) ? 202 : 200;
}

type Unfinished = { readonly finishedAt?: string };
