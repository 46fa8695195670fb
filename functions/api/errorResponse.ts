import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { C2Error, C2ErrorCode } from '../../shared/c2/errors.js';
import { ApiError, HttpErrorCode } from './ApiError.js';
import type { ApiLogEntry, ApiLogger } from './ApiLogger.js';
import { describeError } from './describeError.js';
import { httpStatusOf } from './httpStatusOf.js';
import { jsonResponse } from './jsonResponse.js';

const MAX_MESSAGE_LENGTH = 500;

/**
 * The response for any error: `{ error: { code, message[, details] } }` with the status of {@link httpStatusOf}. A 4xx says what
 * was wrong; a 5xx only that something failed (its error is logged: name, code and message, nothing else).
 */
export function errorResponse(
  error: unknown,
  log: ApiLogger,
  context: Pick<ApiLogEntry, 'requestId' | 'tenantId' | 'keyId'> = {},
): APIGatewayProxyStructuredResultV2 {
  const known = error instanceof ApiError || error instanceof C2Error ? error : undefined;
  const status = httpStatusOf(known?.code ?? HttpErrorCode.Internal);
  if (known && status < 500) {
    const message =
      known.message.length > MAX_MESSAGE_LENGTH ? `${known.message.slice(0, MAX_MESSAGE_LENGTH)}...` : known.message;
    return jsonResponse(
      status,
      {
        error: {
          code: known.code,
          message,
          ...(known instanceof C2Error && known.details ? { details: known.details } : {}),
        },
      },
      known instanceof ApiError ? known.headers : known.code === C2ErrorCode.Busy ? { 'retry-after': '1' } : {},
    );
  }
  try {
    log({
      level: 'error',
      message: 'request failed',
      status,
      ...Object.fromEntries(Object.entries(context).filter(([, value]) => value !== undefined)),
      error: describeError(error),
    });
  } catch {
    // A failing logger must not turn an answer into a crash.
  }
  return status === 503
    ? jsonResponse(503, { error: { code: HttpErrorCode.Unavailable, message: 'service unavailable, retry later' } })
    : jsonResponse(500, { error: { code: HttpErrorCode.Internal, message: 'internal error' } });
}
