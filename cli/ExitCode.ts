/**
 * The CLI's exit codes (documented in the README): scripts tell a refusal from a missing record, a bad key or a C2
 * that cannot be reached.
 */
export const ExitCode = {
  /** Done. */
  Ok: 0,
  /** Refused by the API (a 4xx other than those below), or a failure of the work itself (a bad CSV line, say). */
  Refused: 1,
  /** Usage: an unknown command or option, a missing or malformed argument. */
  Usage: 2,
  /** Authentication or scope: no key, a key the C2 refuses (401), or one without the right (403). */
  Auth: 3,
  /** Not found (404): the client, topic, operation... does not exist. */
  NotFound: 4,
  /** The C2 failed (5xx) or could not be reached (network, timeout). */
  Server: 5,
  /** Stopped by Ctrl-C while waiting (128 + SIGINT, as shells report it): the operation goes on in the C2. */
  Interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit code of an HTTP error status. */
export function exitCodeOfStatus(status: number): ExitCode {
  if (status === 401 || status === 403) return ExitCode.Auth;
  if (status === 404) return ExitCode.NotFound;
  if (status >= 400 && status < 500) return ExitCode.Refused;
  return ExitCode.Server;
}
