import type { ApiErrorCode } from './ApiError.js';

/**
 * THE table from error codes to HTTP status. Typed over every code, so that a new C2ErrorCode does not compile until
 * it has a status here.
 */
const STATUS_OF_CODE: Readonly<Record<ApiErrorCode, number>> = {
  INVALID_INPUT: 400,
  INVALID_CURSOR: 400,
  MALFORMED_JSON: 400,
  UNAUTHORIZED: 401,
  // A valid API key whose scope does not grant the route.
  FORBIDDEN: 403,
  // A valid key of a tenant that is suspended or being deleted (the tenant may know that it is).
  TENANT_SUSPENDED: 403,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  ALREADY_EXISTS: 409,
  CONCURRENT_UPDATE: 409,
  // The operation does not apply to the record as it is (e.g. a public-key command for a symmetric client).
  WRONG_MODE: 409,
  // The tenant's quota of such records (e.g. rotation policies) is full.
  LIMIT_REACHED: 409,
  // Revoking it would leave the tenant without an admin API key.
  LAST_ADMIN_KEY: 409,
  // An enrolment outside an open window (closed, expired, or a key that opens none): the key is valid and its scope
  // grants the route (not a 403), the window's state refuses it.
  ENROLMENT_CLOSED: 409,
  // The enrolment window enrolled its maxCount devices.
  ENROLMENT_FULL: 409,
  // A factory device's claim code that was used (single-use codes).
  CLAIM_USED: 409,
  PAYLOAD_TOO_LARGE: 413,
  // Too many password enrolments waiting (a bounded queue): retry in a moment (Retry-After).
  BUSY: 429,
  // The tenant's requests of this minute are spent (its requestsPerMinute): retry after Retry-After seconds.
  RATE_LIMITED: 429,
  UNSUPPORTED_MEDIA_TYPE: 415,
  // A stored key that no longer opens: tampering or a bug, never the caller's fault.
  KEY_INTEGRITY: 500,
  INTERNAL: 500,
  // The master key provider (KMS, keyring) could not answer: worth retrying.
  KEY_UNAVAILABLE: 503,
  // The broker did not take a command the change needed (nothing was changed): worth retrying.
  DELIVERY_FAILED: 503,
  UNAVAILABLE: 503,
};

/** The status of an error code; 500 for a code this table does not know. */
export function httpStatusOf(code: string): number {
  return Object.hasOwn(STATUS_OF_CODE, code) ? STATUS_OF_CODE[code as ApiErrorCode] : 500;
}
