/**
 * A failure the CLI reports as one line on stderr (`e4c2: <CODE>: <message>`, or `e4c2: <message>` without a code)
 * and an exit code: the API's error code and message as they came, or the CLI's own.
 */
import type { components } from './api/openapi.js';
import { ExitCode } from './ExitCode.js';

export type ApiErrorDetails = NonNullable<components['schemas']['Error']['error']['details']>;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    /** The API's error code (`NOT_FOUND`, ...), when the API refused. */
    readonly code?: string,
    /** The items the API's error named (its `details`), when it named some. */
    readonly details?: ApiErrorDetails,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A usage error: a malformed argument (exit 2). */
export function usageError(message: string): CliError {
  return new CliError(message, ExitCode.Usage);
}
