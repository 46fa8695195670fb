/**
 * The client state document: written byte for byte as e4go's json.Encoder writes it, read as Go's json.Decoder
 * reads it (first value only, case-insensitive field names), and every invalid document refused with an
 * INVALID_STATE error that names the field and never shows key material.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ClientState,
  decodeState,
  E4Error,
  E4ErrorCode,
  encodeState,
  goJsonString,
  utf8,
} from '../../../shared/e4/index.js';
import { e4goVectors, hex } from '../../support/vectors.js';

const vectors = e4goVectors();
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
// Buffer is the independent base64 reference of these tests.
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

// The two state documents of the worked example (docs/protocol.md, section 10; Go's encoder adds the trailing newline).
const PROTOCOL_SYMMETRIC =
  '{"ID":"V873K8cV7MdSRJ/28MsRJg==","TopicKeys":{"d582ab3f5d844c7a4ce73d7b7dd36fc0":"EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8="},"Key":{"keyType":0,"keyData":{"Key":"oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr8="}},"ReceivingTopic":"e4/57cef72bc715ecc752449ff6f0cb1126"}\n';
const PROTOCOL_PUBKEY =
  '{"ID":"V873K8cV7MdSRJ/28MsRJg==","TopicKeys":{},"Key":{"keyType":1,"keyData":{"PrivateKey":"QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8lQ7kv8QlVEUdq3INp223ckzZloRl43aFATuEGbKlVnQ==","SignerID":"V873K8cV7MdSRJ/28MsRJg==","C2PubKey":"I7e7jJGuAIcR+xKEZ4C83x4GX4Ib3+xJ9X58fc1MSCM=","PubKeys":{"57cef72bc715ecc752449ff6f0cb1126":"JUO5L/EJVRFHatyDadtt3JM2ZaEZeN2hQE7hBmypVZ0="}}},"ReceivingTopic":"e4/57cef72bc715ecc752449ff6f0cb1126"}\n';

const ID = hex('57cef72bc715ecc752449ff6f0cb1126');
const CLIENT_KEY = hex('a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf');
const TOPIC_KEY = hex('101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f');
const ED_PUBLIC = hex('2543b92ff1095511476adc8369db6ddc933665a11978dda1404ee1066ca9559d');
const ED_PRIVATE = hex(`404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f${bytesHex(ED_PUBLIC)}`);
const C2_PUBLIC = hex('23b7bb8c91ae008711fb12846780bcdf1e065f821bdfec49f57e7c7dcd4c4823');
const CONTROL = 'e4/57cef72bc715ecc752449ff6f0cb1126';

function bytesHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

const symmetricState: ClientState = {
  id: ID,
  topicKeys: [['d582ab3f5d844c7a4ce73d7b7dd36fc0', TOPIC_KEY]],
  identity: { mode: 'symmetric', key: CLIENT_KEY },
  receivingTopic: CONTROL,
};

const pubkeyState: ClientState = {
  id: ID,
  topicKeys: [],
  identity: {
    mode: 'pubkey',
    privateKey: ED_PRIVATE,
    signerId: ID,
    c2PublicKey: C2_PUBLIC,
    pubKeys: new Map([['57cef72bc715ecc752449ff6f0cb1126', ED_PUBLIC]]),
  },
  receivingTopic: CONTROL,
};

describe('encodeState: the documents e4go writes', () => {
  it('reproduces the symmetric example document byte for byte', () => {
    // Act
    const document = encodeState(symmetricState);

    // Assess
    expect(text(document)).toBe(PROTOCOL_SYMMETRIC);
  });

  it('reproduces the public-key example document byte for byte', () => {
    // Act
    const document = encodeState(pubkeyState);

    // Assess
    expect(text(document)).toBe(PROTOCOL_PUBKEY);
  });

  for (const file of vectors.state_files as Array<{ name: string; state_json: string }>) {
    it(`re-encodes the e4go state file "${file.name}" to the exact same bytes`, () => {
      // Prepare
      const original = utf8(file.state_json);

      // Act
      const reencoded = encodeState(decodeState(original));

      // Assess
      expect(reencoded).toEqual(original);
    });
  }

  it('sorts public keys by hex id, whatever the order of the map', () => {
    // Prepare
    const [a, b] = ['ff'.repeat(16), '00'.repeat(16)];
    const identity = pubkeyState.identity as Extract<ClientState['identity'], { mode: 'pubkey' }>;
    const state: ClientState = {
      ...pubkeyState,
      identity: {
        ...identity,
        pubKeys: new Map([
          [a, ED_PUBLIC],
          [b, C2_PUBLIC],
        ]),
      },
    };

    // Act
    const document = text(encodeState(state));

    // Assess
    expect(document.indexOf(`"${b}"`)).toBeLessThan(document.indexOf(`"${a}"`));
  });

  it('writes 40-byte previous-key slots as they are', () => {
    // Prepare
    const slot = new Uint8Array(40).fill(9);
    const state: ClientState = { ...symmetricState, topicKeys: [['1278d10ad84c58d3a07b9097899c7b70', slot]] };

    // Act
    const document = text(encodeState(state));

    // Assess
    expect(document).toContain(`"1278d10ad84c58d3a07b9097899c7b70":"${b64(slot)}"`);
  });
});

describe('decodeState: the e4go state files of the vectors', () => {
  for (const file of vectors.state_files) {
    it(`reads "${file.name}" with the values e4go decoded`, () => {
      // Prepare
      const fields = file.fields_decoded;

      // Act
      const state = decodeState(utf8(file.state_json));

      // Assess
      expect(bytesHex(state.id)).toBe(fields.ID_hex);
      expect(state.receivingTopic).toBe(fields.ReceivingTopic);
      expect(Object.fromEntries(state.topicKeys.map(([name, key]) => [name, bytesHex(key)]))).toEqual(
        Object.fromEntries(
          Object.entries(fields.TopicKeys as Record<string, { key_hex: string }>).map(([k, v]) => [k, v.key_hex]),
        ),
      );
      if (file.mode === 'symmetric') {
        expect(state.identity.mode).toBe('symmetric');
        expect(bytesHex((state.identity as { key: Uint8Array }).key)).toBe(fields['Key.keyData.Key_hex']);
      } else {
        const identity = state.identity as Extract<ClientState['identity'], { mode: 'pubkey' }>;
        expect(identity.mode).toBe('pubkey');
        expect(bytesHex(identity.privateKey)).toBe(fields['Key.keyData.PrivateKey_hex']);
        expect(bytesHex(identity.signerId)).toBe(fields['Key.keyData.SignerID_hex']);
        expect(bytesHex(identity.c2PublicKey)).toBe(fields['Key.keyData.C2PubKey_hex']);
        expect(Object.fromEntries([...identity.pubKeys].map(([id, key]) => [id, bytesHex(key)]))).toEqual(
          Object.fromEntries(
            Object.entries(fields['Key.keyData.PubKeys'] as Record<string, { ed25519_public_hex: string }>).map(
              ([id, v]) => [id, v.ed25519_public_hex],
            ),
          ),
        );
      }
    });

    it(`reads the file-store bytes of "${file.name}" (document + stale bytes) as the document`, () => {
      // Prepare
      const withStale = utf8(file.file_store_bytes);
      expect(withStale.length).toBeGreaterThan(utf8(file.state_json).length);

      // Act
      const state = decodeState(withStale);

      // Assess
      expect(state).toEqual(decodeState(file.state_json));
      expect(text(encodeState(state))).toBe(file.state_json);
    });
  }

  it('reads the example documents back to the states they were written from', () => {
    // Act
    const symmetric = decodeState(PROTOCOL_SYMMETRIC);
    const pubkey = decodeState(PROTOCOL_PUBKEY);

    // Assess
    expect(symmetric).toEqual(symmetricState);
    expect(pubkey).toEqual(pubkeyState);
  });
});

describe("goJsonString: Go's encoding/json string escaping (HTML-safe, Go 1.19 as used for the vectors)", () => {
  // Expected outputs written by hand from Go's encodeState.string (encoding/json/encode.go).
  const rows: Array<[string, string, string]> = [
    ['plain ASCII', 'e4/abc', '"e4/abc"'],
    ['HTML characters < > &', 'a<b>c&d', String.raw`"a\u003cb\u003ec\u0026d"`],
    ['line and paragraph separators', 'x\u2028y\u2029z', String.raw`"x\u2028y\u2029z"`],
    ['control character U+0001', 'a\u0001b', String.raw`"a\u0001b"`],
    ['control characters U+0000 and U+001F', '\u0000\u001f', String.raw`"\u0000\u001f"`],
    ['newline, carriage return, tab', 'a\nb\rc\td', String.raw`"a\nb\rc\td"`],
    ['backspace and form feed (Go 1.19 writes \\u0008 and \\u000c)', '\b\f', String.raw`"\u0008\u000c"`],
    ['double quote', 'say "hi"', String.raw`"say \"hi\""`],
    ['backslash', 'a\\b', String.raw`"a\\b"`],
    ['slash and DEL are not escaped', '/\u007f', '"/\u007f"'],
    ['non-ASCII as is', 'Ünïcødé/トピック', '"Ünïcødé/トピック"'],
    ['a character above U+FFFF as is', 'a\u{1F600}b', '"a\u{1F600}b"'],
    ['lone high surrogate', 'a\ud800b', String.raw`"a\ufffdb"`],
    ['lone low surrogate', 'a\udc00b', String.raw`"a\ufffdb"`],
    ['surrogates in the wrong order', '\udc00\ud800', String.raw`"\ufffd\ufffd"`],
    ['empty', '', '""'],
  ];

  for (const [label, input, expected] of rows) {
    it(`${label}`, () => {
      // Act
      const encoded = goJsonString(input);

      // Assess
      expect(encoded).toBe(expected);
    });
  }

  it('is read back by JSON.parse to the same (well-formed) string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (input) => {
        // Act
        const encoded = goJsonString(input);

        // Assess
        expect(JSON.parse(encoded)).toBe(input);
        expect([...encoded].filter((ch) => ch < ' ' || '<>&\u2028\u2029'.includes(ch))).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });

  it('escapes the receiving topic of a state document, which decodes back to the same topic', () => {
    // Prepare
    const topic = 'dev/<1>&"x"\\\u2028\u0001';
    const state: ClientState = { ...symmetricState, receivingTopic: topic };

    // Act
    const document = text(encodeState(state));
    const back = decodeState(document);

    // Assess
    expect(document).toContain(String.raw`"ReceivingTopic":"dev/\u003c1\u003e\u0026\"x\"\\\u2028\u0001"}`);
    expect(back.receivingTopic).toBe(topic);
  });
});

describe('decodeState: what Go reads', () => {
  it('accepts the lowercase field names of the Go struct tags', () => {
    // Prepare
    const symmetric = `{"id":"${b64(ID)}","topicKeys":{"d582ab3f5d844c7a4ce73d7b7dd36fc0":"${b64(TOPIC_KEY)}"},"key":{"keyType":0,"keyData":{"key":"${b64(CLIENT_KEY)}"}},"receivingTopic":"${CONTROL}"}`;
    const pubkey = `{"id":"${b64(ID)}","topicKeys":{},"key":{"keyType":1,"keyData":{"privateKey":"${b64(ED_PRIVATE)}","signerID":"${b64(ID)}","c2PubKey":"${b64(C2_PUBLIC)}","pubKeys":{"57cef72bc715ecc752449ff6f0cb1126":"${b64(ED_PUBLIC)}"}}},"receivingTopic":"${CONTROL}"}`;

    // Act
    const a = decodeState(symmetric);
    const b = decodeState(pubkey);

    // Assess
    expect(a).toEqual(symmetricState);
    expect(b).toEqual(pubkeyState);
  });

  it('matches field names in any case, as Go does', () => {
    // Prepare
    const document = PROTOCOL_SYMMETRIC.replace('"ReceivingTopic"', '"RECEIVINGTOPIC"')
      .replace('"keyType"', '"KeyType"')
      .replace('"TopicKeys"', '"topickeys"');

    // Act
    const state = decodeState(document);

    // Assess
    expect(state).toEqual(symmetricState);
  });

  it('ignores whatever follows the first document: stale JSON, garbage, invalid UTF-8', () => {
    // Prepare
    const base = utf8(PROTOCOL_SYMMETRIC);
    const trailers = [
      utf8('AREhMUFRYXGBkaGxwdHh8="}},"ReceivingTopic":"e4/x"}\n'),
      utf8('}}}]]]"'),
      new Uint8Array([0xff, 0xfe, 0x80, 0xc3, 0x00]),
      utf8(PROTOCOL_PUBKEY),
    ];

    for (const trailer of trailers) {
      const document = new Uint8Array(base.length + trailer.length);
      document.set(base);
      document.set(trailer, base.length);

      // Act
      const state = decodeState(document);

      // Assess
      expect(state).toEqual(symmetricState);
    }
  });

  it('accepts leading whitespace and a document without the trailing newline', () => {
    // Act
    const leading = decodeState(` \t\r\n${PROTOCOL_SYMMETRIC}`);
    const bare = decodeState(PROTOCOL_SYMMETRIC.trimEnd());

    // Assess
    expect(leading).toEqual(symmetricState);
    expect(bare).toEqual(symmetricState);
  });

  it('is not fooled by braces and escaped quotes inside strings', () => {
    // Prepare
    const topic = 'a}\\"}{b';
    const document = encodeState({ ...symmetricState, receivingTopic: topic });

    // Act
    const state = decodeState(new Uint8Array([...document, ...utf8('}garbage')]));

    // Assess
    expect(state.receivingTopic).toBe(topic);
  });

  it('reads a missing or null TopicKeys (and PubKeys) as empty', () => {
    // Prepare
    const noTopics = PROTOCOL_SYMMETRIC.replace(/"TopicKeys":\{[^}]*\},/, '');
    const nullPubKeys = PROTOCOL_PUBKEY.replace(/"PubKeys":\{[^}]*\}/, '"PubKeys":null');

    // Act
    const a = decodeState(noTopics);
    const b = decodeState(nullPubKeys);

    // Assess
    expect(a.topicKeys).toEqual([]);
    expect(b.identity.mode === 'pubkey' && b.identity.pubKeys.size).toBe(0);
  });

  it('accepts a symmetric ID of any non-zero length (e4go SymIDAndKey)', () => {
    // Prepare
    const document = PROTOCOL_SYMMETRIC.replace('"V873K8cV7MdSRJ/28MsRJg=="', '"AQID"');

    // Act
    const state = decodeState(document);

    // Assess
    expect(state.id).toEqual(new Uint8Array([1, 2, 3]));
  });
});

describe('decodeState: invalid documents -> E4Error INVALID_STATE naming the field, never showing a key', () => {
  const ZERO32 = b64(new Uint8Array(32));
  const OTHER_SEED_PUBLIC = hex('cd14b37f956e953194ff7fb73b3d81dcc561d61a7538094b7c3e1a643ee5f3aa');
  const MISMATCHED = new Uint8Array([...ED_PRIVATE.subarray(0, 32), ...OTHER_SEED_PUBLIC]);

  const sym = (replace: [string | RegExp, string]) => PROTOCOL_SYMMETRIC.replace(replace[0], replace[1]);
  const pub = (replace: [string | RegExp, string]) => PROTOCOL_PUBKEY.replace(replace[0], replace[1]);
  const symKey = `"${b64(CLIENT_KEY)}"`;
  const privKey = `"${b64(ED_PRIVATE)}"`;
  const c2Key = `"${b64(C2_PUBLIC)}"`;

  // [label, document, a word the message must contain]
  const rows: Array<[string, string | Uint8Array, string]> = [
    ['key not base64', sym([symKey, '"oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr8!"']), 'Key'],
    ['key with a URL-safe base64 character', sym([symKey, symKey.replace('oKGi', 'oKG-')]), 'Key'],
    ['key with whitespace inside', sym([symKey, symKey.replace('oKGi', 'oKG i')]), 'Key'],
    ['key not a string', sym([symKey, '[1,2,3]']), 'Key'],
    ['symmetric key of 31 bytes', sym([symKey, `"${b64(CLIENT_KEY.subarray(1))}"`]), 'Key'],
    ['symmetric key of 64 bytes', sym([symKey, privKey]), 'Key'],
    ['symmetric key all zeros', sym([symKey, `"${ZERO32}"`]), 'Key'],
    ['ID not base64', sym(['"V873K8cV7MdSRJ/28MsRJg=="', '"V873K8cV7MdSRJ/28MsRJg="']), 'ID'],
    ['ID empty', sym(['"V873K8cV7MdSRJ/28MsRJg=="', '""']), 'ID'],
    ['ID missing', sym(['"ID":"V873K8cV7MdSRJ/28MsRJg==",', '']), 'ID'],
    ['Key missing', sym([/"Key":\{"keyType":0,"keyData":\{[^}]*\}\},/, '']), 'Key'],
    ['keyData missing', sym([/,"keyData":\{[^}]*\}/, '']), 'keyData'],
    ['keyType 2', sym(['"keyType":0', '"keyType":2']), 'keyType'],
    ['keyType as a string', sym(['"keyType":0', '"keyType":"0"']), 'keyType'],
    ['keyType missing', sym(['"keyType":0,', '']), 'keyType'],
    ['ReceivingTopic missing', sym([',"ReceivingTopic":"e4/57cef72bc715ecc752449ff6f0cb1126"', '']), 'ReceivingTopic'],
    ['ReceivingTopic empty', sym(['"e4/57cef72bc715ecc752449ff6f0cb1126"', '""']), 'ReceivingTopic'],
    ['TopicKeys not an object', sym([/"TopicKeys":\{[^}]*\}/, '"TopicKeys":[]']), 'TopicKeys'],
    [
      'TopicKeys name not 32 hex digits',
      sym(['"d582ab3f5d844c7a4ce73d7b7dd36fc0"', '"D582AB3F5D844C7A4CE73D7B7DD36FC0"']),
      'TopicKeys',
    ],
    ['TopicKeys value not base64', sym(['"EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8="', '"EBES%"']), 'TopicKeys'],
    [
      'TopicKeys value of 33 bytes',
      sym(['"EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8="', `"${b64(new Uint8Array(33).fill(1))}"`]),
      'TopicKeys',
    ],
    ['private key of 32 bytes', pub([privKey, `"${b64(ED_PRIVATE.subarray(0, 32))}"`]), 'PrivateKey'],
    ['private key all zeros', pub([privKey, `"${b64(new Uint8Array(64))}"`]), 'PrivateKey'],
    ['private key with a public half of another seed', pub([privKey, `"${b64(MISMATCHED)}"`]), 'PrivateKey'],
    ['private key missing', pub([`"PrivateKey":${privKey},`, '']), 'PrivateKey'],
    [
      'SignerID of 15 bytes',
      pub(['"SignerID":"V873K8cV7MdSRJ/28MsRJg=="', `"SignerID":"${b64(ID.subarray(1))}"`]),
      'SignerID',
    ],
    ['SignerID missing', pub(['"SignerID":"V873K8cV7MdSRJ/28MsRJg==",', '']), 'SignerID'],
    ['C2 public key of 16 bytes', pub([c2Key, `"${b64(C2_PUBLIC.subarray(16))}"`]), 'C2PubKey'],
    ['C2 public key all zeros', pub([c2Key, `"${ZERO32}"`]), 'C2PubKey'],
    ['C2 public key missing', pub([`"C2PubKey":${c2Key},`, '']), 'C2PubKey'],
    ['PubKeys value of 31 bytes', pub([`"${b64(ED_PUBLIC)}"`, `"${b64(ED_PUBLIC.subarray(1))}"`]), 'PubKeys'],
    ['PubKeys not an object', pub([/"PubKeys":\{[^}]*\}/, '"PubKeys":"x"']), 'PubKeys'],
    ['public-key ID of 8 bytes', pub(['"ID":"V873K8cV7MdSRJ/28MsRJg=="', `"ID":"${b64(ID.subarray(0, 8))}"`]), 'ID'],
    [
      'public-key ID of 17 bytes',
      pub(['"ID":"V873K8cV7MdSRJ/28MsRJg=="', `"ID":"${b64(new Uint8Array(17).fill(3))}"`]),
      'ID',
    ],
    ['an array', '[]', 'object'],
    ['a string', '"{}"', 'object'],
    ['a number', '42', 'object'],
    ['null', 'null', 'object'],
    ['empty input', '', 'object'],
    ['whitespace only', ' \n', 'object'],
    ['not JSON', 'not json', 'object'],
    ['invalid UTF-8 before the document', new Uint8Array([0xff, ...utf8(PROTOCOL_SYMMETRIC)]), 'object'],
    ['unterminated document', PROTOCOL_SYMMETRIC.slice(0, 120), 'unterminated'],
    ['malformed JSON inside the braces', sym([',"Key":', ',"Key"']), 'JSON'],
  ];

  /** Key material of the documents above: full base64 and hex, and 12-character windows of both. */
  const secrets = [CLIENT_KEY, TOPIC_KEY, ED_PRIVATE, ED_PRIVATE.subarray(0, 32), MISMATCHED];
  const fragments = secrets.flatMap((key) => {
    const forms = [b64(key), bytesHex(key), Buffer.from(key).toString('base64url')];
    return forms.flatMap((form) => Array.from({ length: form.length - 11 }, (_, i) => form.slice(i, i + 12)));
  });

  for (const [label, document, word] of rows) {
    it(`${label}`, () => {
      // Act
      let thrown: unknown;
      try {
        decodeState(document);
      } catch (error) {
        thrown = error;
      }

      // Assess
      expect(thrown).toBeInstanceOf(E4Error);
      const error = thrown as E4Error;
      expect(error.code).toBe(E4ErrorCode.InvalidState);
      expect(error.message).toMatch(/^invalid client state: /);
      expect(error.message).toContain(word);
      for (const fragment of fragments) expect(error.message).not.toContain(fragment);
    });
  }

  it('rejects a non-bytes, non-string argument', () => {
    // Act + Assess
    expect(() => decodeState(42 as unknown as string)).toThrow(
      expect.objectContaining({ code: E4ErrorCode.InvalidState }),
    );
  });

  it('never throws anything but an INVALID_STATE E4Error on random bytes or mutated documents', () => {
    const base = utf8(PROTOCOL_PUBKEY);
    const mutated = fc
      .array(fc.tuple(fc.nat({ max: base.length - 1 }), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 4,
      })
      .map((edits) => {
        const copy = base.slice();
        for (const [at, value] of edits) copy[at] = value;
        return copy;
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), mutated), (bytes) => {
        // Act
        try {
          decodeState(bytes);
        } catch (error) {
          // Assess
          expect(error).toBeInstanceOf(E4Error);
          expect((error as E4Error).code).toBe(E4ErrorCode.InvalidState);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('encodeState: map order', () => {
  it('sorts TopicKeys and PubKeys by name, as Go does, whatever order the state holds them in', () => {
    // Prepare: a state whose maps are in reverse order
    const key = (b: number) => new Uint8Array(32).fill(b);
    const state = decodeState(
      JSON.stringify({
        ID: 'JuAra7ow3kPEGV4EvO3UiA==',
        TopicKeys: { bb000000000000000000000000000000: 'AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=' },
        Key: { keyType: 0, keyData: { Key: 'AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=' } },
        ReceivingTopic: 'e4/x',
      }),
    );
    const reversed: ClientState = {
      ...state,
      topicKeys: [
        ['bb000000000000000000000000000000', key(1)],
        ['aa000000000000000000000000000000', key(2)],
      ],
    };

    // Act
    const text = new TextDecoder().decode(encodeState(reversed));

    // Assess
    expect(text.indexOf('"aa0000')).toBeLessThan(text.indexOf('"bb0000'));
    expect(encodeState(decodeState(text))).toEqual(utf8(text));
  });

  it('refuses an all-zero topic key in a document', () => {
    // Prepare
    const document = JSON.stringify({
      ID: 'JuAra7ow3kPEGV4EvO3UiA==',
      TopicKeys: { aa000000000000000000000000000000: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' },
      Key: { keyType: 0, keyData: { Key: 'AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=' } },
      ReceivingTopic: 'e4/x',
    });

    // Act / Assess
    expect(() => decodeState(document)).toThrowError(expect.objectContaining({ code: E4ErrorCode.InvalidState }));
  });

  it('malformed JSON is refused without the parser error as cause (it quotes the document)', () => {
    // Act
    let caught: unknown;
    try {
      decodeState('{"ID":"x","TopicKeys":{"a":ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=}}');
    } catch (error) {
      caught = error;
    }

    // Assess
    expect(caught).toBeInstanceOf(E4Error);
    expect((caught as E4Error).cause).toBeUndefined();
  });
});

describe('the Watermarks field (the library’s, not e4go’s)', () => {
  const H1 = '0123456789abcdef0123456789abcdef';
  const H2 = 'fedcba9876543210fedcba9876543210';
  const watermarked = (watermarks: unknown): string =>
    `${PROTOCOL_SYMMETRIC.slice(0, -2)},"Watermarks":${JSON.stringify(watermarks)}}\n`;

  it('is written after e4go’s fields, members in a fixed order and maps sorted, and read back', () => {
    // Prepare
    const state: ClientState = {
      ...decodeState(PROTOCOL_SYMMETRIC),
      watermarks: {
        topics: new Map([
          [H2, 1_700_000_002],
          [H1, 1_700_000_001],
        ]),
        topicsFloor: 1_700_000_000,
        idKey: 1_699_999_999,
        c2Key: 5,
        pubKeys: new Map([[H1, 7]]),
        pubKeysFloor: 0,
      },
    };

    // Act
    const document = text(encodeState(state));

    // Assess
    expect(document).toBe(
      `${PROTOCOL_SYMMETRIC.slice(0, -2)},"Watermarks":{"Topics":{"${H1}":1700000001,"${H2}":1700000002},` +
        `"TopicsFloor":1700000000,"IDKey":1699999999,"C2Key":5,"PubKeys":{"${H1}":7},"PubKeysFloor":0}}\n`,
    );
    expect(decodeState(document)).toEqual(state);
  });

  it('is left out when empty, so that the document is e4go’s byte for byte', () => {
    // Prepare
    const state: ClientState = { ...decodeState(PROTOCOL_SYMMETRIC), watermarks: { topics: new Map() } };

    // Act
    const document = text(encodeState(state));

    // Assess
    expect(document).toBe(PROTOCOL_SYMMETRIC);
    expect(decodeState(watermarked({})).watermarks).toBeUndefined();
    expect(decodeState(watermarked({ Topics: {}, PubKeys: {} })).watermarks).toBeUndefined();
  });

  it.each([
    ['a string', 'soon'],
    ['an array', []],
    ['a negative time', { IDKey: -1 }],
    ['a fraction', { C2Key: 1.5 }],
    ['a time beyond 2^53', { TopicsFloor: 2 ** 53 }],
    ['a time as a string', { PubKeysFloor: '1700000000' }],
    ['a topic name that is not 32 lowercase hex digits', { Topics: { [H1.toUpperCase()]: 1 } }],
    ['a public-key id that is too short', { PubKeys: { abcd: 1 } }],
    ['a map that is not an object', { Topics: [1] }],
    ['an unknown member', { topics: { [H1]: 1 } }],
  ])('refuses %s with INVALID_STATE', (_what, watermarks) => {
    // Act
    const decoding = () => decodeState(watermarked(watermarks));

    // Assess
    expect(decoding).toThrowError(E4Error);
    expect(decoding).toThrowError(/Watermarks/);
    try {
      decoding();
    } catch (error) {
      expect((error as E4Error).code).toBe(E4ErrorCode.InvalidState);
    }
  });
});
