import type { C2ErrorCode } from '../../shared/c2/errors.js';

/** Error codes of the HTTP layer (the domain's are {@link C2ErrorCode}). */
export const HttpErrorCode = {
  MalformedJson: 'MALFORMED_JSON',
  Unauthorized: 'UNAUTHORIZED',
  /** The API key is valid but its scope does not grant the route. */
  Forbidden: 'FORBIDDEN',
  RouteNotFound: 'ROUTE_NOT_FOUND',
  MethodNotAllowed: 'METHOD_NOT_ALLOWED',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  /** The tenant made its `requestsPerMinute` in this minute already: retry after `Retry-After` seconds. */
  RateLimited: 'RATE_LIMITED',
  /** An unexpected failure (a bug, an unreachable dependency): the response says nothing more. */
  Internal: 'INTERNAL',
  /** A dependency refused for now (e.g. the key service): retry later. */
  Unavailable: 'UNAVAILABLE',
} as const;

export type HttpErrorCode = (typeof HttpErrorCode)[keyof typeof HttpErrorCode];

/** Every code an API error response may carry. */
export type ApiErrorCode = C2ErrorCode | HttpErrorCode;

/** An error of the HTTP layer (bad request shape, authentication, routing), with response headers to add. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: ApiErrorCode;
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ApiErrorCode, message: string, headers: Readonly<Record<string, string>> = {}) {
    super(message);
    this.code = code;
    this.headers = headers;
  }
}
