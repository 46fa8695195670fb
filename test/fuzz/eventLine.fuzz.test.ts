/**
 * Fuzzing of the event-log export's line decoder and chain verifier (shared/c2/events/verifyEventChain.ts) on lines
 * built from real chained records with one part mutated (a field dropped, replaced by any JSON value, the line cut
 * or spliced with noise) and on any text, deep nesting included. decodeEventLine returns a chained line, undefined
 * (a record from before the chain) or throws an EventLineError, never anything else; verifyEventChain answers with a
 * verdict, never throws; a mutated line that still verifies is one whose hashed content did not change.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { chained, GENESIS_HASH } from '../../shared/c2/events/eventChain.js';
import { decodeEventLine, EventLineError, verifyEventChain } from '../../shared/c2/events/verifyEventChain.js';
import { fuzzRuns, fuzzTimeout } from '../support/fuzzRuns.js';

const runs = fuzzRuns();

const viewArb = fc.record(
  {
    id: fc.string(),
    at: fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
    actor: fc.string(),
    action: fc.string(),
    target: fc.record({ type: fc.constantFrom('client', 'topic', 'link'), name: fc.string() }),
    result: fc.constantFrom('ok', 'error'),
    errorCode: fc.string(),
    details: fc.dictionary(fc.string(), fc.jsonValue()),
  },
  { requiredKeys: ['id', 'at', 'actor', 'action', 'target', 'result'] },
);

/** Records 1..n of a chain, as export lines. */
const chainArb = fc.array(viewArb, { minLength: 1, maxLength: 5 }).map((views) => {
  let prevHash = GENESIS_HASH;
  return views.map((view, i) => {
    const record = chained(view, i + 1, prevHash);
    prevHash = record.hash;
    return JSON.stringify(record);
  });
});

const FIELDS = ['id', 'at', 'actor', 'action', 'target', 'result', 'details', 'seq', 'prevHash', 'hash', 'other'];

/** One line mutated: a field dropped or replaced with any JSON value, the text cut, or noise spliced in. */
const mutationArb = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), field: fc.constantFrom(...FIELDS) }),
  fc.record({ kind: fc.constant('set' as const), field: fc.constantFrom(...FIELDS), value: fc.jsonValue() }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), noise: fc.string({ maxLength: 8 }) }),
);

function mutate(line: string, mutation: Mutation): string {
  switch (mutation.kind) {
    case 'drop': {
      const { [mutation.field]: _, ...rest } = JSON.parse(line) as Record<string, unknown>;
      return JSON.stringify(rest);
    }
    case 'set':
      return JSON.stringify({ ...(JSON.parse(line) as Record<string, unknown>), [mutation.field]: mutation.value });
    case 'cut':
      return line.slice(0, mutation.at % (line.length + 1));
    case 'splice': {
      const at = mutation.at % (line.length + 1);
      return line.slice(0, at) + mutation.noise + line.slice(at);
    }
  }
}

type Mutation =
  | { kind: 'drop'; field: string }
  | { kind: 'set'; field: string; value: unknown }
  | { kind: 'cut'; at: number }
  | { kind: 'splice'; at: number; noise: string };

function decodes(text: string): void {
  try {
    decodeEventLine(text);
  } catch (error) {
    if (!(error instanceof EventLineError)) throw error;
  }
}

describe('event export lines', () => {
  it(
    'a chain of real records verifies; one mutated line is an EventLineError or a verdict, never a crash',
    () => {
      fc.assert(
        fc.property(chainArb, fc.nat(), mutationArb, (lines, pick, mutation) => {
          assert.equal(verifyEventChain(lines).ok, true);
          const i = pick % lines.length;
          const mutated = mutate(lines[i]!, mutation as Mutation);
          decodes(mutated);
          const copy = [...lines];
          copy[i] = mutated;
          const verdict = verifyEventChain(copy);
          if (verdict.ok) {
            // Still verified: the line was cut to nothing (a first or last record dropped: the head shows it, see
            // verifyEventChain.ts), or what is hashed did not change.
            if (mutated.trim() === '') return;
            const before = JSON.parse(lines[i]!);
            const after = JSON.parse(mutated);
            assert.equal(after.hash, before.hash);
          } else {
            assert.ok(verdict.line >= 1 && verdict.line <= copy.length);
          }
        }),
        { numRuns: runs },
      );
    },
    fuzzTimeout(runs, 1),
  );

  it(
    'any text, and deeply nested JSON, decode to a line, undefined or an EventLineError',
    () => {
      const deep = fc
        .nat({ max: 200_000 })
        .map(
          (depth) =>
            `{"id":"a","at":"b","actor":"c","action":"d","result":"ok","seq":1,"prevHash":"${'0'.repeat(64)}","hash":"${'0'.repeat(64)}","x":${'['.repeat(depth)}${']'.repeat(depth)}}`,
        );
      fc.assert(
        fc.property(fc.oneof(fc.string(), fc.json(), deep), (text) => {
          decodes(text);
          const verdict = verifyEventChain([text, text]);
          assert.equal(typeof verdict.ok, 'boolean');
        }),
        { numRuns: Math.max(50, Math.ceil(runs / 10)) },
      );
    },
    fuzzTimeout(runs, 2),
  );
});
