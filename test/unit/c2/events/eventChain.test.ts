/**
 * The event chain's encoding, pinned: a line's canonical JSON and hash as an independent tool computes them (the
 * vector below is Python's `json.dumps(line, sort_keys=True, separators=(',', ':'), ensure_ascii=False)` and
 * `hashlib.sha256`), keys sorted by code units (so "10" before "9"), `hash` left out; and the verifier's verdicts on
 * a chain of three: whole, a window, record 1 not on the zero hash, a seq twice, a changed `prevHash`.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson, chained, eventHash, GENESIS_HASH } from '../../../../shared/c2/events/eventChain.js';
import { chainVerdictText, verifyEventChain } from '../../../../shared/c2/events/verifyEventChain.js';

const LINE = {
  id: '2026-11-23T10:00:00.000Z#00aa',
  at: '2026-11-23T10:00:00.000Z',
  actor: 'key-1',
  action: 'client.create',
  target: { type: 'client', name: 'capteur-é' },
  result: 'ok',
  details: { b: [1, 2.5, null, true], a: { z: '"q"', '10': 1, '9': 2 } },
  seq: 3,
  prevHash: 'ab'.repeat(32),
};
const CANONICAL =
  '{"action":"client.create","actor":"key-1","at":"2026-11-23T10:00:00.000Z","details":{"a":{"10":1,"9":2,"z":"\\"q\\""},' +
  '"b":[1,2.5,null,true]},"id":"2026-11-23T10:00:00.000Z#00aa","prevHash":"abababababababababababababababababababababababababababababababab",' +
  '"result":"ok","seq":3,"target":{"name":"capteur-é","type":"client"}}';
const HASH = '7fb77cc064953ad9d6b0f964a1c91690ce2093165da8c4fec3363ddaa7383d05';

const view = (i: number) => ({
  id: `2026-11-23T10:00:0${i}.000Z#00`,
  at: `2026-11-23T10:00:0${i}.000Z`,
  actor: 'key-1',
  action: 'topic.rotate',
  target: { type: 'topic', name: 't' },
  result: 'ok',
});

function chainOf(n: number) {
  const records = [];
  let prevHash = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const record = chained(view(i), i, prevHash);
    records.push(record);
    prevHash = record.hash;
  }
  return records;
}
const lines = (records: readonly object[]) => records.map((record) => JSON.stringify(record));

describe('event chain encoding', () => {
  it('writes the canonical JSON and hash an independent tool writes', () => {
    expect(canonicalJson(LINE)).toBe(CANONICAL);
    expect(eventHash({ ...LINE, hash: 'left out' })).toBe(HASH);
    const { seq: _, prevHash: __, ...view } = LINE;
    expect(chained(view, 3, 'ab'.repeat(32)).hash).toBe(HASH);
  });

  it('leaves undefined members out and refuses what JSON cannot hold', () => {
    expect(canonicalJson({ b: undefined, a: [undefined, 1] })).toBe('{"a":[null,1]}');
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ a: 1n })).toThrow(TypeError);
  });
});

describe('verifyEventChain', () => {
  it('verifies a whole chain and a window, and says which it is', () => {
    const records = chainOf(3);
    const whole = verifyEventChain(lines(records));
    const window = verifyEventChain(lines(records.slice(1)));
    expect(whole).toEqual({ ok: true, events: 3, unchained: 0, firstSeq: 1, lastSeq: 3, head: records[2]!.hash });
    expect(chainVerdictText(whole)).toBe(`ok: 3 events, seq 1..3, head ${records[2]!.hash}`);
    expect(chainVerdictText(window)).toContain('a window from seq 2');
  });

  it('counts records from before the chain, and refuses one after it', () => {
    const before = JSON.stringify(view(0));
    expect(verifyEventChain([before, ...lines(chainOf(2))])).toMatchObject({ ok: true, unchained: 1, events: 2 });
    expect(verifyEventChain([...lines(chainOf(2)), before])).toMatchObject({ ok: false, line: 3 });
  });

  it('fails record 1 off the zero hash, a seq twice, a prevHash changed (with its hash recomputed)', () => {
    const [one, two, three] = chainOf(3);
    const offZero = chained(view(1), 1, 'cd'.repeat(32));
    const relinked = chained(view(3), 3, 'cd'.repeat(32));
    expect(verifyEventChain(lines([offZero]))).toMatchObject({ ok: false, line: 1 });
    expect(verifyEventChain(lines([one!, two!, two!, three!]))).toMatchObject({ ok: false, line: 3 });
    expect(verifyEventChain(lines([one!, two!, relinked]))).toMatchObject({ ok: false, line: 3 });
  });
});
