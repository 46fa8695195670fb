/**
 * One line of an import CSV, checked before any request: `name` (1..255 bytes of UTF-8, no NUL, as the API), at
 * most one of `key` (64 hex characters: the 32-byte symmetric key), `password` (16 bytes to 1024 characters, as
 * e4go and the API; the key derived by the C2 with Argon2i) or `pubkey` (64 hex characters: an Ed25519 public key, a
 * public-key client), and `topics` (`;`-separated, blanks dropped, each as the API takes it: 1..512 bytes, no `+`,
 * `#` or NUL, not starting with `$`). A line without key material is bad unless keys are generated
 * (`--generate-keys`). A reason never quotes a key or a password.
 */
import {
  hexToBytes,
  isWellFormedString,
  MAX_TOPIC_LEN,
  PASSWORD_MIN_LEN,
  utf8,
  validateEd25519PublicKey,
  validateSymKey,
} from '../../shared/e4/index.js';

/** The columns an import file may have; `line` and `reason` (those of a failure report) are ignored. */
export const IMPORT_COLUMNS = ['name', 'key', 'password', 'pubkey', 'topics'] as const;
export const IGNORED_COLUMNS = ['line', 'reason'] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];

export type KeyMaterial =
  | { readonly kind: 'key'; readonly key: Uint8Array }
  | { readonly kind: 'password'; readonly password: string }
  | { readonly kind: 'pubkey'; readonly publicKey: Uint8Array }
  | { readonly kind: 'generate' };

export interface ImportRow {
  readonly name: string;
  readonly material: KeyMaterial;
  readonly topics: readonly string[];
}

export type Decoded = { readonly ok: true; readonly row: ImportRow } | { readonly ok: false; readonly reason: string };

export interface DecodeOptions {
  /** A line without key material gets a generated key (else it is bad). */
  readonly generateKeys?: boolean;
}

const HEX_32_BYTES = /^[0-9a-fA-F]{64}$/;
const MAX_NAME_BYTES = 255;
const MAX_PASSWORD_LEN = 1024;

const bad = (reason: string): Decoded => ({ ok: false, reason });

/** Why a client name is refused, or undefined. */
export function nameProblem(name: string): string | undefined {
  if (name === '') return 'no name';
  if (!isWellFormedString(name)) return 'the name is not valid UTF-8';
  if (utf8(name).length > MAX_NAME_BYTES) return `the name is longer than ${MAX_NAME_BYTES} bytes`;
  if (name.includes('\u0000')) return 'the name contains NUL';
  return undefined;
}

/** Why a topic is refused, or undefined. */
export function topicProblem(topic: string): string | undefined {
  if (!isWellFormedString(topic)) return 'is not valid UTF-8';
  if (utf8(topic).length > MAX_TOPIC_LEN) return `is longer than ${MAX_TOPIC_LEN} bytes`;
  if (['+', '#', '\u0000'].some((c) => topic.includes(c))) return 'contains +, # or NUL';
  if (topic.startsWith('$')) return 'starts with $';
  return undefined;
}

/** The 32 bytes of a hex field, checked by `validate` (whose message names no byte). */
function bytesOf(column: string, value: string, validate: (bytes: Uint8Array) => void): Uint8Array | string {
  if (!HEX_32_BYTES.test(value)) return `${column}: 64 hex characters expected`;
  const bytes = hexToBytes(value.toLowerCase());
  try {
    validate(bytes);
  } catch (error) {
    return `${column}: ${(error as Error).message}`;
  }
  return bytes;
}

function materialOf(fields: Partial<Record<ImportColumn, string>>, options: DecodeOptions): KeyMaterial | string {
  const given = (['key', 'password', 'pubkey'] as const).filter((column) => (fields[column] ?? '') !== '');
  if (given.length > 1) return `give one of key, password or pubkey (got ${given.join(' and ')})`;
  const [column] = given;
  if (column === undefined) {
    return options.generateKeys ? { kind: 'generate' } : 'no key, password or pubkey (or import with --generate-keys)';
  }
  const value = fields[column]!;
  if (column === 'password') {
    if (!isWellFormedString(value)) return 'password: not valid UTF-8';
    if (utf8(value).length < PASSWORD_MIN_LEN) return `password: shorter than ${PASSWORD_MIN_LEN} bytes`;
    if (value.length > MAX_PASSWORD_LEN) return `password: longer than ${MAX_PASSWORD_LEN} characters`;
    return { kind: 'password', password: value };
  }
  if (column === 'key') {
    const key = bytesOf('key', value.trim(), validateSymKey);
    return typeof key === 'string' ? key : { kind: 'key', key };
  }
  const publicKey = bytesOf('pubkey', value.trim(), validateEd25519PublicKey);
  return typeof publicKey === 'string' ? publicKey : { kind: 'pubkey', publicKey };
}

/** The topics of a `topics` field: `;`-separated, trimmed, blanks and repeats dropped. */
export function topicsOf(field: string): string[] {
  return [...new Set(field.split(';').map((topic) => topic.trim()))].filter((topic) => topic !== '');
}

/** The row of a line's fields (by column), or why the line is bad. */
export function decodeImportRow(fields: Partial<Record<ImportColumn, string>>, options: DecodeOptions = {}): Decoded {
  const name = fields.name ?? '';
  const problem = nameProblem(name);
  if (problem) return bad(problem);
  const material = materialOf(fields, options);
  if (typeof material === 'string') return bad(material);
  const topics = topicsOf(fields.topics ?? '');
  for (const topic of topics) {
    const why = topicProblem(topic);
    if (why) return bad(`topic ${JSON.stringify(topic.slice(0, 64))} ${why}`);
  }
  return { ok: true, row: { name, material, topics } };
}
