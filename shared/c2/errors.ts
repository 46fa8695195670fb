/**
 * Errors of the C2 domain: a stable code, mapped to an HTTP status in one place (functions/), and a message that
 * never carries key bytes.
 */
export const C2ErrorCode = {
  /** A stored key failed to open: wrong record, tenant or version, or tampered bytes. */
  KeyIntegrity: 'KEY_INTEGRITY',
  /** The master key provider could not produce or open a data key. */
  KeyUnavailable: 'KEY_UNAVAILABLE',
  /** A record of that name exists already. */
  AlreadyExists: 'ALREADY_EXISTS',
  /** No record of that name. */
  NotFound: 'NOT_FOUND',
  /** The record changed since it was read (optimistic concurrency): read it again and retry. */
  ConcurrentUpdate: 'CONCURRENT_UPDATE',
  /** A pagination cursor that this API did not issue. */
  InvalidCursor: 'INVALID_CURSOR',
  /** The broker did not accept a command that the change cannot go on without (nothing was changed). */
  DeliveryFailed: 'DELIVERY_FAILED',
  /** The operation does not apply to the record (e.g. a public-key command for a symmetric client). */
  WrongMode: 'WRONG_MODE',
  /** A tenant has as many records of this kind as it may (e.g. rotation policies): delete one first. */
  LimitReached: 'LIMIT_REACHED',
  /** Too much work of this kind is waiting already (e.g. password enrolments): retry in a moment. */
  Busy: 'BUSY',
  /** The change would leave the tenant without a usable admin API key (revoke another one, or create one first). */
  LastAdminKey: 'LAST_ADMIN_KEY',
  /** The caller's tenant is suspended or being deleted (its keys are refused, whatever the route). */
  TenantSuspended: 'TENANT_SUSPENDED',
  /** An enrolment (POST /v1/enrol) outside an open window: closed, expired, or a key that opens none. */
  EnrolmentClosed: 'ENROLMENT_CLOSED',
  /** An enrolment window that enrolled as many devices as it may (its maxCount). */
  EnrolmentFull: 'ENROLMENT_FULL',
  /** A claim code (factory batches) that was used: by another tenant, or by this one to the end. */
  ClaimUsed: 'CLAIM_USED',
  /** A request field that is missing, of the wrong type or out of range (the message names it, never a key). */
  InvalidInput: 'INVALID_INPUT',
} as const;

export type C2ErrorCode = (typeof C2ErrorCode)[keyof typeof C2ErrorCode];

/**
 * Why a device of a factory call was refused: its name is held by a tenant or another batch (`name-taken`), or the
 * batch holds it with another key or claimed (`other-key`).
 */
export type RefusedDeviceReason = 'name-taken' | 'other-key';

/**
 * What an error names beyond its message, for a client to act on item by item (sent as the error body's `details`;
 * never a key): the devices a factory call refused, every one of them (a message names at most ten).
 */
export interface C2ErrorDetails {
  readonly devices?: readonly { readonly name: string; readonly reason: RefusedDeviceReason }[];
}

export class C2Error extends Error {
  override readonly name = 'C2Error';
  readonly code: C2ErrorCode;
  readonly details?: C2ErrorDetails;

  constructor(code: C2ErrorCode, message: string, options?: { cause?: unknown; details?: C2ErrorDetails }) {
    super(message, options);
    this.code = code;
    if (options?.details) this.details = options.details;
  }
}
