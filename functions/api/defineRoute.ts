/**
 * A route of the API: method, path, the scope it needs, schemas (from which requests are parsed, responses checked
 * and the OpenAPI document generated) and a thin `run` calling one use case. `defineRoute` for routes that need a
 * caller (an API key by default) and name the scope it must hold (a required field: a route without one does not
 * compile), `definePublicRoute` for the few that need none (scope `public`).
 */
import type * as z from 'zod';
import type { C2Deps } from '../../shared/c2/C2Deps.js';
import type { Principal, PrincipalScope } from '../../shared/c2/ports.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a route needs: a scope its caller's key must grant, or `any`: a valid key of any scope (platform too). */
export type RouteScope = PrincipalScope | 'any';

type Schema = z.ZodType | undefined;
type Parsed<S extends Schema> = S extends z.ZodType ? z.output<S> : undefined;

/** What `run` receives: the parsed path parameters, query and body (undefined where the route has no schema). */
export interface RouteRequest<
  P extends Schema = z.ZodType,
  Q extends Schema = z.ZodType,
  B extends Schema = z.ZodType,
> {
  readonly params: Parsed<P>;
  readonly query: Parsed<Q>;
  readonly body: Parsed<B>;
  /** The `Idempotency-Key` header, on routes that start an operation (see {@link RouteSpec.startsOperation}). */
  readonly idempotencyKey?: string;
}

interface RouteSpec<P extends Schema, Q extends Schema, B extends Schema, R extends z.ZodType> {
  readonly method: HttpMethod;
  /** Path parameters as `{name}`: one segment each, percent-decoded once. */
  readonly path: `/${string}`;
  /** Unique, camelCase: the name a generated client gives the call. */
  readonly operationId: string;
  readonly summary: string;
  /** The status of a success (200 by default). */
  readonly status?: number;
  /**
   * The route starts an operation and answers with it (`{ operation, ... }`, or several: `{ operations, ... }`): 202
   * while one goes on, 200 once they have finished (a retry of a request whose operation is done); it takes an
   * `Idempotency-Key` header.
   */
  readonly startsOperation?: boolean;
  /** A strict object of the path parameters. */
  readonly params?: P;
  /** A strict object of the query parameters (a route without it refuses any query). */
  readonly query?: Q;
  /** The JSON body (a route without it ignores any body). */
  readonly body?: B;
  /** The body of a success: every response is checked against it (so nothing unlisted, like a key, leaks out). */
  readonly response: R;
  /**
   * The answer is JSON lines (`application/x-ndjson`): `response` is a `linesOf(...)` schema, whose `lines` are the
   * body and whose `next` cursor becomes a `Link: <this route?...&cursor=next>; rel="next"` header.
   */
  readonly jsonLines?: boolean;
}

export interface AuthenticatedRouteSpec<P extends Schema, Q extends Schema, B extends Schema, R extends z.ZodType>
  extends RouteSpec<P, Q, B, R> {
  /** The scope a key must hold (or be granted by its own: see shared/c2/apiKeys/ApiKeyScope.ts), or `any`. */
  readonly scope: RouteScope;
  run(deps: C2Deps, caller: Principal, request: RouteRequest<P, Q, B>): Promise<z.input<R>>;
}

export interface PublicRouteSpec<P extends Schema, Q extends Schema, B extends Schema, R extends z.ZodType>
  extends RouteSpec<P, Q, B, R> {
  run(deps: C2Deps, request: RouteRequest<P, Q, B>): Promise<z.input<R>>;
}

/** A route as the handler and the OpenAPI generator see it. */
export interface ApiRoute {
  readonly method: HttpMethod;
  readonly path: `/${string}`;
  readonly operationId: string;
  readonly summary: string;
  readonly status: number;
  readonly startsOperation?: boolean;
  readonly jsonLines?: boolean;
  /** What a caller's key must grant; `public`: no key needed. */
  readonly scope: RouteScope | 'public';
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  readonly response: z.ZodType;
  /** Called with a request parsed by the route's own schemas, and a caller unless the route is `public`. */
  readonly run: (deps: C2Deps, caller: Principal | undefined, request: RouteRequest) => Promise<unknown>;
}

export function defineRoute<
  P extends Schema = undefined,
  Q extends Schema = undefined,
  B extends Schema = undefined,
  R extends z.ZodType = z.ZodType,
>(spec: AuthenticatedRouteSpec<P, Q, B, R>): ApiRoute {
  const { run, status = 200, ...rest } = spec;
  return {
    ...rest,
    status,
    run: (deps, caller, request) => {
      if (!caller) throw new Error(`${spec.operationId} needs a caller`);
      // The handler parsed `request` with this route's schemas.
      return run(deps, caller, request as RouteRequest<P, Q, B>);
    },
  };
}

export function definePublicRoute<
  P extends Schema = undefined,
  Q extends Schema = undefined,
  B extends Schema = undefined,
  R extends z.ZodType = z.ZodType,
>(spec: PublicRouteSpec<P, Q, B, R>): ApiRoute {
  const { run, status = 200, ...rest } = spec;
  return {
    ...rest,
    status,
    scope: 'public',
    run: (deps, _caller, request) => run(deps, request as RouteRequest<P, Q, B>),
  };
}
