/**
 * Command receipts (docs/protocol.md, section 11): the codec, a known answer computed with independent primitives
 * (@noble/ciphers AES-SIV and @noble/hashes SHA3 called directly), and E4Client.commandReceipt in both modes and on
 * both engines, under the command key in force after the command (a SetIDKey's receipt under the new key).
 */
import { describe, expect, it } from 'vitest';
import {
  bytesToHex,
  COMMAND_HASH_LEN,
  type CryptoEngine,
  c2CommandKey,
  cmdResetTopics,
  cmdSetIdKey,
  cmdSetTopicKey,
  commandHash,
  decodeReceipt,
  E4Client,
  E4ErrorCode,
  ed25519PrivateKeyFromSeed,
  encodeReceipt,
  fixedClock,
  hexToBytes,
  PROTECTED_RECEIPT_LEN,
  protectCommand,
  protectReceipt,
  pureEngine,
  RECEIPT_TOPIC_FILTER,
  receiptTopic,
  unprotectReceipt,
  x25519PublicKey,
} from '../../../shared/e4/index.js';
import { nodeEngine } from '../../../shared/e4/node/index.js';
import { codeOf } from '../../support/fuzzRuns.js';

const range = (start: number, length: number) => Uint8Array.from({ length }, (_, i) => (start + i) & 0xff);
const T = 1_588_000_000;
const KEY = range(0xa0, 32);
const FRAME = range(0x00, 64);
/** SHA3-256(00‥3f)[0:16], and its receipt under key a0‥bf at 1588000000 (computed with @noble directly). */
const HASH = 'c8ad478f4e1dd9d47dfc3b985708d92d';
const RECEIPT = '00f5a65e000000000b58e528a65799bb29b5ab7262c60c1e17c5f79ff1bb660a5778f7265c747c1b0f';
const now = { seconds: T, nanos: 0 };

describe.each([pureEngine, nodeEngine].map((engine) => [engine.name, engine] as const))(
  'receipt codec (%s engine)',
  (_name, engine: CryptoEngine) => {
    it('matches the known answer: hash, plaintext, protected receipt', () => {
      // Act
      const hash = commandHash(FRAME, engine);
      const receipt = protectReceipt(hash, KEY, { engine, timestamp: T });

      // Assess
      expect(bytesToHex(hash)).toBe(HASH);
      expect(bytesToHex(encodeReceipt(hash))).toBe(`01${HASH}`);
      expect(bytesToHex(receipt)).toBe(RECEIPT);
      expect(receipt.length).toBe(PROTECTED_RECEIPT_LEN);
      expect(bytesToHex(unprotectReceipt(hexToBytes(RECEIPT), KEY, { engine, now }))).toBe(HASH);
    });

    it('refuses a receipt under another key, tampered, or outside the window', () => {
      // Prepare
      const receipt = hexToBytes(RECEIPT);
      const tampered = receipt.slice();
      tampered[30]! ^= 1;

      // Act + Assess
      expect(codeOf(() => unprotectReceipt(receipt, range(0xb0, 32), { engine, now }))).toBe(
        E4ErrorCode.AuthenticationFailed,
      );
      expect(codeOf(() => unprotectReceipt(tampered, KEY, { engine, now }))).toBe(E4ErrorCode.AuthenticationFailed);
      expect(codeOf(() => unprotectReceipt(receipt, KEY, { engine, now: { seconds: T + 601, nanos: 0 } }))).toBe(
        E4ErrorCode.TimestampTooOld,
      );
      expect(codeOf(() => unprotectReceipt(receipt, KEY, { engine, now: { seconds: T - 1, nanos: 0 } }))).toBe(
        E4ErrorCode.TimestampInFuture,
      );
    });
  },
);

describe('decodeReceipt', () => {
  it.each([
    ['empty', ''],
    ['version 0', `00${HASH}`],
    ['version 2', `02${HASH}`],
    ['short', `01${HASH.slice(2)}`],
    ['long', `01${HASH}00`],
  ])('refuses a plaintext that is %s with INVALID_RECEIPT', (_what, plaintext) => {
    expect(codeOf(() => decodeReceipt(hexToBytes(plaintext)))).toBe(E4ErrorCode.InvalidReceipt);
  });

  it('round-trips any hash; encodeReceipt refuses another length (RangeError)', () => {
    const hash = range(7, COMMAND_HASH_LEN);
    expect(decodeReceipt(encodeReceipt(hash))).toEqual(hash);
    expect(() => encodeReceipt(range(0, 15))).toThrow(RangeError);
  });

  it('names the receipt topic of a device id, which the C2 subscription filter matches', () => {
    expect(receiptTopic(range(0, 16))).toBe('e4/000102030405060708090a0b0c0d0e0f/receipt');
    expect(RECEIPT_TOPIC_FILTER).toBe('e4/+/receipt');
  });
});

describe.each([pureEngine, nodeEngine].map((engine) => [engine.name, engine] as const))(
  'E4Client.commandReceipt (%s engine)',
  (_name, engine: CryptoEngine) => {
    const clock = fixedClock(T + 5);
    const at = { seconds: T + 5, nanos: 0 };

    it('symmetric: the receipt of an applied command names its frame, under the identity key', async () => {
      // Prepare
      const client = await E4Client.create({ mode: 'symmetric', key: KEY, name: 'receipt-device' }, { engine, clock });
      const frame = protectCommand(cmdSetTopicKey(range(0x10, 32), 'a/topic'), KEY, { engine, timestamp: T });
      client.unprotect(frame, client.receivingTopic);

      // Act
      const receipt = client.commandReceipt(frame);

      // Assess
      expect(unprotectReceipt(receipt, KEY, { engine, now: at })).toEqual(commandHash(frame, engine));
      expect(client.receiptTopic).toBe(`${client.receivingTopic}/receipt`);
    });

    it('symmetric: the receipt of a SetIDKey is under the new key (the C2 holds it pending)', async () => {
      // Prepare
      const client = await E4Client.create({ mode: 'symmetric', key: KEY, name: 'receipt-device' }, { engine, clock });
      const next = range(0x60, 32);
      const frame = protectCommand(cmdSetIdKey(next.slice()), KEY, { engine, timestamp: T });
      client.unprotect(frame, client.receivingTopic);

      // Act
      const receipt = client.commandReceipt(frame);

      // Assess
      expect(unprotectReceipt(receipt, next, { engine, now: at })).toEqual(commandHash(frame, engine));
      expect(codeOf(() => unprotectReceipt(receipt, KEY, { engine, now: at }))).toBe(E4ErrorCode.AuthenticationFailed);
    });

    it('public-key mode: under the command key SHA3-256(X25519(C2 private key, device public key))', async () => {
      // Prepare
      const device = ed25519PrivateKeyFromSeed(range(0x40, 32));
      const c2Private = range(0x70, 32);
      const client = await E4Client.create(
        { mode: 'pubkey', privateKey: device.privateKey, c2PublicKey: x25519PublicKey(c2Private), name: 'pk' },
        { engine, clock },
      );
      const commandKey = c2CommandKey(engine, c2Private, device.publicKey);
      const frame = protectCommand(cmdResetTopics(), commandKey, { engine, timestamp: T });
      client.unprotect(frame, client.receivingTopic);

      // Act
      const receipt = client.commandReceipt(frame);

      // Assess
      expect(unprotectReceipt(receipt, commandKey, { engine, now: at })).toEqual(commandHash(frame, engine));
    });
  },
);
