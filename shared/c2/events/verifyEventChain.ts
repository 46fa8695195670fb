/**
 * Offline verification of an event-log export (JSON lines, oldest first, as GET /v1/events/export writes them):
 * each line's hash recomputed (eventChain.ts), `seq` contiguous, each `prevHash` the hash of the line before. The
 * first line's `prevHash` is taken as given, so a window of the log (from a time, or after TTL removed the oldest
 * records) verifies on its own: it proves the window consistent, not that it is the tenant's whole log (compare its
 * head with a later export for that). Lines without `seq` before the first chained one are records from before the
 * chain: counted, not verified. A filtered export (actor, action, ...) skips records and does not verify, nor does
 * a time window whose edge falls inside an operation (records missing at its edges). Blank lines are skipped; line
 * numbers count every line from 1. The order of the lines in the file carries nothing: the chain is in `seq`.
 */
import { eventHash, GENESIS_HASH } from './eventChain.js';

/** A line of an export that is not a chained event record: why, never a crash. */
export class EventLineError extends Error {
  readonly code = 'BAD_EVENT_LINE';
}

/** The fields of a line the chain needs (the others are hashed as they are). */
export interface ChainedLine {
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

export type ChainVerdict =
  | {
      readonly ok: true;
      readonly events: number;
      /** Records before the chain (no seq), not verified. */
      readonly unchained: number;
      readonly firstSeq?: number;
      readonly lastSeq?: number;
      readonly head?: string;
    }
  | { readonly ok: false; readonly line: number; readonly message: string };

const HEX_HASH = /^[0-9a-f]{64}$/;

/** Decodes one line: a chained record, `undefined` for a record from before the chain, or an EventLineError. */
export function decodeEventLine(text: string): ChainedLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new EventLineError('not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new EventLineError('not a JSON object');
  }
  const fields = value as Record<string, unknown>;
  for (const name of ['id', 'at', 'actor', 'action', 'result'] as const) {
    if (typeof fields[name] !== 'string') throw new EventLineError(`"${name}" is not a string`);
  }
  const { seq, prevHash, hash } = fields;
  if (seq === undefined && prevHash === undefined && hash === undefined) return undefined;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) {
    throw new EventLineError('"seq" is not a positive integer');
  }
  if (typeof prevHash !== 'string' || !HEX_HASH.test(prevHash)) {
    throw new EventLineError('"prevHash" is not 64 lowercase hex digits');
  }
  if (typeof hash !== 'string' || !HEX_HASH.test(hash))
    throw new EventLineError('"hash" is not 64 lowercase hex digits');
  return { seq, prevHash, hash, fields };
}

/**
 * The verdict on the lines of an export: the first line that breaks the chain, or what was verified. Lines are
 * decoded and rehashed in file order, then chained in `seq` order (an export is in time order, which is not always
 * the chain's: an operation's record is stamped with its start and chained when it finishes).
 */
export function verifyEventChain(lines: Iterable<string>): ChainVerdict {
  const chain: { readonly line: ChainedLine; readonly number: number }[] = [];
  let unchained = 0;
  let number = 0;
  try {
    for (const text of lines) {
      number++;
      if (text.trim() === '') continue;
      const line = decodeEventLine(text);
      if (line === undefined) {
        if (chain.length > 0) throw new EventLineError('a record without "seq" after chained records');
        unchained++;
        continue;
      }
      if (rehash(line) !== line.hash) throw new EventLineError('"hash" is not the hash of the line: it was changed');
      chain.push({ line, number });
    }
    chain.sort((a, b) => a.line.seq - b.line.seq || a.number - b.number);
    for (const [i, { line, number: at }] of chain.entries()) {
      number = at;
      const previous = chain[i - 1]?.line;
      if (previous === undefined) {
        if (line.seq === 1 && line.prevHash !== GENESIS_HASH) {
          throw new EventLineError('record 1 does not start from the zero hash');
        }
      } else if (line.seq === previous.seq) {
        throw new EventLineError(`"seq" ${line.seq} twice`);
      } else if (line.seq !== previous.seq + 1) {
        throw new EventLineError(`"seq" ${line.seq} follows ${previous.seq}: records are missing or were moved`);
      } else if (line.prevHash !== previous.hash) {
        throw new EventLineError(`"prevHash" is not the hash of record ${previous.seq}`);
      }
    }
  } catch (error) {
    if (error instanceof EventLineError) return { ok: false, line: number, message: error.message };
    throw error;
  }
  const first = chain[0]?.line;
  const last = chain.at(-1)?.line;
  return {
    ok: true,
    events: chain.length,
    unchained,
    ...(first && last ? { firstSeq: first.seq, lastSeq: last.seq, head: last.hash } : {}),
  };
}

/** The line's hash; a line too deep to encode is an EventLineError. */
function rehash(line: ChainedLine): string {
  try {
    return eventHash(line.fields);
  } catch {
    throw new EventLineError('the line cannot be encoded canonically');
  }
}

/** The verdict in words: `ok: N events, seq a..b, head <hash>` (and what a window proves), or the broken line. */
export function chainVerdictText(verdict: ChainVerdict): string {
  if (!verdict.ok) return `line ${verdict.line}: ${verdict.message}`;
  const before = verdict.unchained > 0 ? `; ${verdict.unchained} records from before the chain, not verified` : '';
  if (verdict.firstSeq === undefined) return `ok: 0 events${before}`;
  const window =
    verdict.firstSeq > 1
      ? `; a window from seq ${verdict.firstSeq}: it proves the window consistent only, compare its head with the ` +
        `record of seq ${verdict.lastSeq} in a later export`
      : '';
  return `ok: ${verdict.events} events, seq ${verdict.firstSeq}..${verdict.lastSeq}, head ${verdict.head}${window}${before}`;
}
