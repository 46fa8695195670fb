/**
 * Secrets in a text (the test suite's output, scanned by scanTestOutput.ts): any whole API token
 * (`e4c2.<tenant>.<16 hex>.<43 base64url>`) and any of the given secrets, except on lines one of the exceptions
 * matches (each is narrow and says why). A leak is reported by line and kind, never with the secret itself.
 */

/** A whole API token, as apiKeyToken.ts writes it. */
/** A whole API key: a tenant's (`e4c2.<tenant>.<key id>.<secret>`) or the platform operator's (`e4c2p.<key id>.<secret>`). */
export const TOKEN_PATTERN =
  /(?:e4c2\.[a-z0-9][a-z0-9-]{0,62}|e4c2p)\.[0-9a-f]{16}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/;

export interface Leak {
  readonly line: number;
  readonly kind: 'token' | 'secret';
}

/** Lines where a secret is expected: none today (local mode prints its admin key on a terminal, not in a test). */
export const EXCEPTIONS: readonly RegExp[] = [];

/**
 * Looks up each window of a recorded secret's length in runs of token characters, so that a long output and many
 * recorded secrets (the fuzz suites record thousands) stay linear.
 */
export function findLeaks(
  output: string,
  secrets: Iterable<string>,
  exceptions: readonly RegExp[] = EXCEPTIONS,
): Leak[] {
  const wanted = new Set([...secrets].filter((secret) => secret.length >= 16));
  const lengths = [...new Set([...wanted].map((secret) => secret.length))];
  const leaks: Leak[] = [];
  for (const [i, line] of output.split('\n').entries()) {
    if (exceptions.some((exception) => exception.test(line))) continue;
    if (TOKEN_PATTERN.test(line)) leaks.push({ line: i + 1, kind: 'token' });
    else if (holdsOneOf(line, wanted, lengths)) leaks.push({ line: i + 1, kind: 'secret' });
  }
  return leaks;
}

/** Secrets are spelled with these (hex, base64, base64url, tokens); a run of them may hold one. */
const RUN = /[A-Za-z0-9+/=_.-]{16,}/g;

function holdsOneOf(line: string, wanted: ReadonlySet<string>, lengths: readonly number[]): boolean {
  for (const [run] of line.matchAll(RUN)) {
    for (const length of lengths) {
      for (let start = 0; start + length <= run.length; start++) {
        if (wanted.has(run.slice(start, start + length))) return true;
      }
    }
  }
  return false;
}
