/**
 * The event log's hash chain, per tenant: each record carries `seq` (1, 2, ...), `prevHash` (the hash of record
 * `seq - 1`; 64 zeros before the first) and `hash` = SHA-256 of the canonical JSON of the record as exported (every
 * field of the export line but `hash` itself: `prevHash` and `seq` included, the tenant left out), in lowercase hex.
 * Canonical JSON: no whitespace, object keys sorted by UTF-16 code units at every depth, `undefined` members left
 * out, strings and numbers as `JSON.stringify` writes them. So a line of an export is verified on its own, offline.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '../../e4/index.js';

/** The `prevHash` of a tenant's first chained record: 32 zero bytes. */
export const GENESIS_HASH = '0'.repeat(64);

/** Where a record sits in its tenant's chain. */
export interface ChainLink {
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
}

const UTF8 = new TextEncoder();

/** The canonical JSON of a JSON value (see above); values JSON cannot hold throw a TypeError. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonical JSON holds finite numbers only');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`).join(',')}}`;
  }
  throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
}

/** The hash of an export line: SHA-256 of the canonical JSON of its fields but `hash`. */
export function eventHash(line: Readonly<Record<string, unknown>>): string {
  const { hash: _, ...fields } = line;
  return bytesToHex(sha256(UTF8.encode(canonicalJson(fields))));
}

/**
 * The record `view` (its export line, without the chain's fields) as record `seq` after `prevHash`. Details go
 * through JSON first, as the store keeps them, so the hash is the one of the line read back.
 */
export function chained<V extends object>(view: V, seq: number, prevHash: string): V & ChainLink {
  const { details } = view as { readonly details?: unknown };
  const normal = details === undefined ? view : { ...view, details: JSON.parse(JSON.stringify(details)) };
  const fields = { ...normal, seq, prevHash };
  return { ...fields, hash: eventHash(fields) };
}
