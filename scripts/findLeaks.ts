/**
 * Secrets in a text (the test suite's output, scanned by scanTestOutput.ts): any whole API token
 * (`e4c2.<tenant>.<16 hex>.<43 base64url>`) and any of the given secrets, except on lines one of the exceptions
 * matches (each is narrow and says why). A leak is reported by line and kind, never with the secret itself.
 */

/** A whole API token, as apiKeyToken.ts writes it. */
export const TOKEN_PATTERN = /e4c2\.[a-z0-9][a-z0-9-]{0,62}\.[0-9a-f]{16}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/;

export interface Leak {
  readonly line: number;
  readonly kind: 'token' | 'secret';
}

/** Lines where a secret is expected: none today (local mode prints its admin key on a terminal, not in a test). */
export const EXCEPTIONS: readonly RegExp[] = [];

export function findLeaks(
  output: string,
  secrets: Iterable<string>,
  exceptions: readonly RegExp[] = EXCEPTIONS,
): Leak[] {
  const wanted = [...new Set(secrets)].filter((secret) => secret.length >= 16);
  const leaks: Leak[] = [];
  for (const [i, line] of output.split('\n').entries()) {
    if (exceptions.some((exception) => exception.test(line))) continue;
    if (TOKEN_PATTERN.test(line)) leaks.push({ line: i + 1, kind: 'token' });
    else if (wanted.some((secret) => line.includes(secret))) leaks.push({ line: i + 1, kind: 'secret' });
  }
  return leaks;
}
