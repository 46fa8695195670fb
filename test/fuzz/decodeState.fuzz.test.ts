/**
 * Fuzzing of decodeState (the e4go-compatible JSON state document) on random bytes, random JSON values, documents
 * with the right field names and random values, and mutations of valid documents: fields changed, deleted,
 * retyped, renamed (case) or duplicated; random base64 and base64 of every length; huge and odd numbers; deep
 * nesting; invalid UTF-8; byte flips, truncation and extension; trailing garbage. It returns a state or throws an
 * E4Error INVALID_STATE; a returned state re-encodes to a document that decodes to the same state (the library's own
 * `Watermarks` field included, valid or mutated); trailing bytes
 * after a valid document are ignored (as e4go's file store needs); and a decoded state loads into a client (or the
 * client refuses it with an E4Error).
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import {
  bytesToHex,
  decodeState,
  E4Client,
  E4ErrorCode,
  encodeState,
  fixedClock,
  MemoryStateStore,
  toBase64,
  utf8,
} from '../../shared/e4/node/index.js';
import { mutate, mutationsArb } from '../support/byteMutations.js';
import { ENGINES, stateArb, T0 } from '../support/fuzzDevices.js';
import { assertE4Error, fuzzRuns, fuzzTimeout, outcome } from '../support/fuzzRuns.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Command watermarks (the library's extra field): times near now, at the edges, and at 0 and 2^53 - 1. */
const secondsArb = fc.oneof(
  fc.integer({ min: T0 - 700, max: T0 + 700 }),
  fc.constantFrom(0, 1, Number.MAX_SAFE_INTEGER),
);
const timestampMapArb = fc
  .array(fc.tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }).map(bytesToHex), secondsArb), { maxLength: 4 })
  .map((entries) => new Map(entries));
const watermarksArb = fc
  .record(
    {
      topics: timestampMapArb,
      topicsFloor: secondsArb,
      idKey: secondsArb,
      c2Key: secondsArb,
      pubKeys: timestampMapArb,
      pubKeysFloor: secondsArb,
    },
    { requiredKeys: [] },
  )
  .map((w) => {
    // As decodeState returns them: empty maps left out, and no field at all when nothing is left.
    const out = Object.fromEntries(Object.entries(w).filter(([, v]) => !(v instanceof Map && v.size === 0)));
    return Object.keys(out).length > 0 ? out : undefined;
  });

/** Valid documents of both modes (keys from a pool: deriving Ed25519 keys costs more than a run), some watermarked. */
const validStateArb = fc
  .tuple(fc.oneof(stateArb('symmetric'), stateArb('pubkey', { pooled: true })), fc.option(watermarksArb))
  .map(([state, watermarks]) => (watermarks ? { ...state, watermarks } : state));
const validDocumentArb = validStateArb.map((state) => new TextDecoder().decode(encodeState(state)));

/** Nesting depths: mostly moderate, sometimes far beyond any recursion limit. */
const nestingDepthArb = fc.oneof(
  { weight: 9, arbitrary: fc.integer({ min: 1, max: 2000 }) },
  { weight: 1, arbitrary: fc.constantFrom(20_000, 200_000) },
);

/** Numbers and literals JSON.parse reads in odd ways, and deeply nested values. */
const tokenArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '1e400',
    '-1e400',
    '1e-400',
    '-0',
    '0.0',
    '1.0',
    '1.5',
    '-1',
    '2',
    '9007199254740993',
    '123456789012345678901234567890123456789',
    '0e0',
    '1E+2',
    'true',
    'false',
    'null',
    '""',
    '[]',
    '{}',
    '"\\u0000"',
    '"\\ud800"',
  ),
  nestingDepthArb.map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  nestingDepthArb.map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
  nestingDepthArb.map((depth) => '['.repeat(depth)),
);

/** Base64 strings: of random bytes of telling lengths, random base64-looking text, or almost-base64. */
const base64ishArb: fc.Arbitrary<string> = fc.oneof(
  fc
    .oneof(fc.constantFrom(0, 1, 15, 16, 17, 31, 32, 33, 39, 40, 41, 63, 64, 65), fc.integer({ min: 0, max: 200 }))
    .chain((n) => fc.uint8Array({ minLength: n, maxLength: n }))
    .map(toBase64),
  fc.base64String({ maxLength: 100 }),
  fc.string({
    unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n'),
    maxLength: 90,
  }),
);

const jsonArb = fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<Json>;
const valueArb: fc.Arbitrary<Json> = fc.oneof(base64ishArb, jsonArb);

/** Field names as e4go writes them, in other cases, and others. */
const nameArb = fc.oneof(
  fc.constantFrom(
    'ID',
    'id',
    'Id',
    'TopicKeys',
    'topickeys',
    'Key',
    'key',
    'KEY',
    'keyType',
    'KeyType',
    'keyData',
    'PrivateKey',
    'privateKey',
    'SignerID',
    'signerId',
    'C2PubKey',
    'c2pubkey',
    'PubKeys',
    'pubKeys',
    'ReceivingTopic',
    'receivingtopic',
    'Watermarks',
    'watermarks',
    'Topics',
    'TopicsFloor',
    'IDKey',
    'C2Key',
    'PubKeysFloor',
    '__proto__',
    'constructor',
  ),
  fc.string({ maxLength: 12 }),
);

type JsonMutation =
  | { readonly op: 'delete'; readonly at: number }
  | { readonly op: 'replace'; readonly at: number; readonly value: Json }
  | { readonly op: 'token'; readonly at: number; readonly token: string }
  | { readonly op: 'rename'; readonly at: number; readonly name: string }
  | { readonly op: 'add'; readonly at: number; readonly name: string; readonly value: Json };

const jsonMutationArb: fc.Arbitrary<JsonMutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  { weight: 3, arbitrary: fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: valueArb }) },
  fc.record({ op: fc.constant('token' as const), at: fc.nat(), token: tokenArb }),
  fc.record({ op: fc.constant('rename' as const), at: fc.nat(), name: nameArb }),
  fc.record({ op: fc.constant('add' as const), at: fc.nat(), name: nameArb, value: valueArb }),
);

/** Every [container, key] of a parsed document, depth first (the root's fields first). */
function slots(root: Json): [Record<string, Json> | Json[], string][] {
  const out: [Record<string, Json> | Json[], string][] = [];
  const visit = (node: Json) => {
    if (node === null || typeof node !== 'object') return;
    for (const key of Object.keys(node)) {
      out.push([node, key]);
      visit((node as Record<string, Json>)[key]!);
    }
  };
  visit(root);
  return out;
}

/** Applies structural mutations to a JSON document; raw tokens replace placeholders after serialisation. */
function mutateJson(document: string, mutations: readonly JsonMutation[]): string {
  const root = JSON.parse(document) as Json;
  const tokens: string[] = [];
  for (const m of mutations) {
    const all = slots(root);
    if (all.length === 0) break;
    const [container, key] = all[m.at % all.length]!;
    const object = container as Record<string, Json>;
    switch (m.op) {
      case 'delete':
        if (Array.isArray(container)) container.splice(Number(key), 1);
        else delete object[key];
        break;
      case 'replace':
        object[key] = m.value;
        break;
      case 'token':
        object[key] = `\u0000token${tokens.length}\u0000`;
        tokens.push(m.token);
        break;
      case 'rename':
        if (!Array.isArray(container)) {
          const value = object[key]!;
          delete object[key];
          Object.defineProperty(object, m.name, { value, enumerable: true, configurable: true, writable: true });
        }
        break;
      case 'add':
        if (!Array.isArray(container)) {
          Object.defineProperty(object, m.name, {
            value: m.value,
            enumerable: true,
            configurable: true,
            writable: true,
          });
        }
        break;
    }
  }
  let text = JSON.stringify(root);
  tokens.forEach((token, i) => {
    text = text.replace(`"\\u0000token${i}\\u0000"`, token);
  });
  return text;
}

/** Byte sequences that are not UTF-8: stray continuation, overlong, surrogate, out of range, truncated. */
const INVALID_UTF8 = [[0x80], [0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xfe]];
const utf8InsertionArb = fc.array(fc.record({ at: fc.nat(), bytes: fc.constantFrom(...INVALID_UTF8) }), {
  minLength: 1,
  maxLength: 3,
});

function insertInvalidUtf8(document: Uint8Array, insertions: readonly { at: number; bytes: number[] }[]): Uint8Array {
  let out = Array.from(document);
  for (const { at, bytes } of insertions) {
    const i = at % (out.length + 1);
    out = [...out.slice(0, i), ...bytes, ...out.slice(i)];
  }
  return Uint8Array.from(out);
}

/** A document with the expected field names (any of them missing) and random values. */
const shapedDocumentArb = fc
  .record(
    {
      ID: valueArb,
      TopicKeys: fc.oneof(
        fc.dictionary(fc.oneof(fc.uint8Array({ minLength: 16, maxLength: 16 }).map(bytesToHex), fc.string()), valueArb),
        valueArb,
      ),
      Key: fc.oneof(
        fc.record(
          {
            keyType: fc.oneof(fc.constantFrom(0, 1), jsonArb),
            keyData: fc.oneof(
              fc.record(
                { Key: valueArb, PrivateKey: valueArb, SignerID: valueArb, C2PubKey: valueArb, PubKeys: valueArb },
                { requiredKeys: [] },
              ),
              jsonArb,
            ),
          },
          { requiredKeys: [] },
        ),
        jsonArb,
      ),
      ReceivingTopic: fc.oneof(fc.string(), jsonArb),
      Watermarks: fc.oneof(
        fc.record(
          {
            Topics: fc.oneof(
              fc.dictionary(fc.uint8Array({ minLength: 16, maxLength: 16 }).map(bytesToHex), jsonArb),
              jsonArb,
            ),
            TopicsFloor: jsonArb,
            IDKey: fc.oneof(fc.integer(), jsonArb),
            C2Key: jsonArb,
            PubKeys: jsonArb,
            PubKeysFloor: fc.oneof(
              fc.integer(),
              tokenArb.map(() => 1.5),
            ),
          },
          { requiredKeys: [] },
        ),
        jsonArb,
      ),
    },
    { requiredKeys: [] },
  )
  .map((document) => JSON.stringify(document));

/** Every kind of input, as the bytes (or, sometimes, the string) given to decodeState. */
const documentArb: fc.Arbitrary<Uint8Array | string> = fc.oneof(
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 400, size: 'max' }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200, size: 'max' }).map((b) => Uint8Array.of(0x7b, ...b)) },
  { weight: 1, arbitrary: jsonArb.map((value) => utf8(JSON.stringify(value))) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  { weight: 3, arbitrary: shapedDocumentArb.map(utf8) },
  {
    weight: 6,
    arbitrary: fc
      .tuple(validDocumentArb, fc.array(jsonMutationArb, { minLength: 1, maxLength: 3 }))
      .map(([document, mutations]) => utf8(mutateJson(document, mutations))),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(validDocumentArb, mutationsArb)
      .map(([document, mutations]) => mutate(utf8(document), mutations)),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(validDocumentArb, utf8InsertionArb)
      .map(([document, insertions]) => insertInvalidUtf8(utf8(document), insertions)),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(validDocumentArb, fc.array(jsonMutationArb, { maxLength: 2 }))
      .map(([document, mutations]) => mutateJson(document, mutations)),
  },
);

/** decodeState's contract: a state, or an E4Error INVALID_STATE (anything else fails the property). */
function decode(document: Uint8Array | string) {
  const result = outcome(() => decodeState(document));
  if (!result.ok) assert.equal(result.error.code, E4ErrorCode.InvalidState);
  return result;
}

describe('fuzz: decodeState', () => {
  const runs = fuzzRuns();
  it(
    `returns a state that re-encodes to itself, or throws an E4Error INVALID_STATE (${runs} runs)`,
    () => {
      fc.assert(
        fc.property(documentArb, (document) => {
          // Act
          const result = decode(document);

          // Assess
          // (Go's encoder sorts the topic keys, and writes a lone surrogate read from a \ud800 escape as U+FFFD.)
          if (result.ok) {
            const state = result.value;
            const expected = {
              ...state,
              topicKeys: [...state.topicKeys].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
              receivingTopic: new TextDecoder().decode(utf8(state.receivingTopic)),
            };
            assert.deepStrictEqual(decodeState(encodeState(state)), expected);
          }
        }),
        { numRuns: runs },
      );
    },
    fuzzTimeout(runs, 0.5),
  );

  const trailingRuns = fuzzRuns(1 / 20);
  it(
    `ignores whatever follows a valid document (${trailingRuns} runs)`,
    () => {
      fc.assert(
        fc.property(
          validDocumentArb,
          fc.oneof(fc.uint8Array({ maxLength: 200, size: 'max' }), validDocumentArb.map(utf8)),
          fc.constantFrom('', ' ', '\n\t\r '),
          (document, trailing, leading) => {
            // Prepare
            const bytes = Uint8Array.from([...utf8(leading + document), ...trailing]);

            // Act
            const withTrailing = decodeState(bytes);

            // Assess
            assert.deepStrictEqual(withTrailing, decodeState(document));
          },
        ),
        { numRuns: trailingRuns },
      );
    },
    fuzzTimeout(trailingRuns, 1),
  );

  const loadRuns = fuzzRuns(1 / 40);
  const loadableArb = fc.oneof(
    validDocumentArb,
    fc
      .tuple(validDocumentArb, fc.array(jsonMutationArb, { minLength: 1, maxLength: 2 }))
      .map(([document, mutations]) => mutateJson(document, mutations)),
  );
  it(
    `a client loads every state decodeState accepts, or refuses it with an E4Error (${loadRuns} runs)`,
    async () => {
      await fc.assert(
        fc.asyncProperty(loadableArb, fc.constantFrom(...ENGINES), async (document, engine) => {
          // Prepare
          const decoded = decode(document);
          fc.pre(decoded.ok);
          const store = new MemoryStateStore(utf8(document));

          // Act
          const loaded = await E4Client.load({ store, engine, clock: fixedClock(T0) }).then(
            (client) => ({ ok: true as const, client }),
            (error: unknown) => ({ ok: false as const, error }),
          );

          // Assess
          if (!loaded.ok) {
            assertE4Error(loaded.error);
            return;
          }
          const state = decoded.ok && decoded.value;
          assert.ok(state);
          assert.equal(loaded.client.receivingTopic, state.receivingTopic);
          assert.equal(loaded.client.topicCount, state.topicKeys.filter(([, key]) => key.length === 32).length);
          assert.equal(loaded.client.mode, state.identity.mode);
        }),
        { numRuns: loadRuns },
      );
    },
    fuzzTimeout(loadRuns, 5),
  );
});
