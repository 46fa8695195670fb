/**
 * The secrets the tests are shown, recorded for the CI's scan of the suite's output (scripts/scanTestOutput.ts):
 * API tokens and device keys from the API's answers (the test HTTP helpers pass every answer here) and keys the
 * helpers create. Each is appended, in every spelling it could be printed in (as given, hex, base64, base64url), to
 * the file named by `E4C2_TEST_SECRETS` (one a line; .ci/run sets it); without it nothing is recorded. Appends of
 * the test processes to one file do not interleave (O_APPEND, one short write each).
 */
import { appendFileSync } from 'node:fs';

/** Fields of an answer that hold a secret shown once (a token, a generated key, device credentials). */
const SECRET_FIELDS = new Set(['token', 'key', 'password', 'privateKey', 'secret']);
/** Shorter values are not scanned for (they would match by chance). */
export const MIN_SECRET_LENGTH = 16;

/** Records a secret: bytes, or a string (also decoded when it is base64 or base64url, also as hex). */
export function recordSecret(secret: string | Uint8Array): void {
  const file = process.env.E4C2_TEST_SECRETS;
  if (file === undefined || file === '') return;
  const spellings = typeof secret === 'string' ? [secret, ...spellingsOf(decoded(secret))] : spellingsOf(secret);
  const lines = [...new Set(spellings)].filter((spelling) => spelling.length >= MIN_SECRET_LENGTH);
  if (lines.length > 0) appendFileSync(file, `${lines.join('\n')}\n`);
}

/** Records the secrets of an API answer: string values of the fields above, at any depth. */
export function recordSecretsIn(json: unknown, depth = 0): void {
  if (json === null || typeof json !== 'object' || depth > 8) return;
  for (const [name, value] of Object.entries(json)) {
    if (typeof value === 'string' && SECRET_FIELDS.has(name)) recordSecret(value);
    else recordSecretsIn(value, depth + 1);
  }
}

function spellingsOf(bytes: Uint8Array | undefined): string[] {
  if (bytes === undefined || bytes.length < 8) return [];
  const buffer = Buffer.from(bytes);
  return [buffer.toString('hex'), buffer.toString('base64'), buffer.toString('base64url')];
}

function decoded(text: string): Uint8Array | undefined {
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(text) || /^[A-Za-z0-9_-]+$/.test(text)) {
    return Buffer.from(text, text.includes('+') || text.includes('/') ? 'base64' : 'base64url');
  }
  return undefined;
}
