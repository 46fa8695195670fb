/**
 * Fuzzing of the C2's receipt decoder (shared/c2/operations/receipts/openReceipt.ts): what the queue hands over is
 * read by readReceiptMessage (any JSON value, mostly near-valid messages), then checked (length, E4 time window) and
 * opened with a candidate command key. None of them ever throws; a receipt opens only when its bytes are exactly a
 * valid receipt's under that key, and then yields the hash it was made for; everything else is refused with an E4
 * error code.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { checkReceipt, openReceipt, readReceiptMessage } from '../../shared/c2/operations/receipts/openReceipt.js';
import {
  bytesToHex,
  E4ErrorCode,
  nodeEngine,
  protectReceipt,
  protectSymKey,
  toBase64,
} from '../../shared/e4/node/index.js';
import { mutate, mutationsArb, sameBytes } from '../support/byteMutations.js';
import { E4_ERROR_CODES, fuzzRuns, fuzzTimeout } from '../support/fuzzRuns.js';

/** Half a second past a whole second: a receipt exactly 600 s old is then too old (E4's nanosecond edge). */
const NOW_MS = 1_700_000_000_500;
const NOW_S = Math.floor(NOW_MS / 1000);
const bytes = (length: number) => fc.uint8Array({ minLength: length, maxLength: length });
const keyArb = bytes(32).filter((key) => key.some((b) => b !== 0));

/**
 * A receipt as a device makes it (or a near miss): a hash, a key, an age in the window or just outside it, and
 * sometimes another plaintext protected the same way.
 */
const receiptArb: fc.Arbitrary<ReceiptSpec> = fc.record({
  hash: bytes(16),
  key: keyArb,
  age: fc.oneof(fc.integer({ min: 0, max: 600 }), fc.constantFrom(-1, 601, 10_000)),
  plaintext: fc.oneof(
    { weight: 3, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) },
  ),
});

interface ReceiptSpec {
  readonly hash: Uint8Array;
  readonly key: Uint8Array;
  readonly age: number;
  readonly plaintext: Uint8Array | null;
}

/** The protected bytes of a spec, and whether the C2 must accept them. */
function build(receipt: ReceiptSpec): { payload: Uint8Array; hash: Uint8Array; valid: boolean } {
  const timestamp = NOW_S - receipt.age;
  if (receipt.plaintext !== null) {
    // Not a receipt plaintext (or by chance one): protected like one.
    const payload = protectSymKey(receipt.plaintext, receipt.key, {
      engine: nodeEngine,
      timestamp: Math.max(0, timestamp),
    });
    return { payload, hash: receipt.hash, valid: false };
  }
  const payload = protectReceipt(receipt.hash, receipt.key, { engine: nodeEngine, timestamp: Math.max(0, timestamp) });
  return { payload, hash: receipt.hash, valid: receipt.age >= 0 && receipt.age < 600 };
}

const messageArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.anything() },
  {
    weight: 5,
    arbitrary: fc.record(
      {
        type: fc.constant('receipt'),
        tenantId: fc.oneof(fc.string(), fc.constant('tenant'), fc.integer()),
        clientIdHex: fc.oneof(
          bytes(16).map(bytesToHex),
          fc.string(),
          bytes(16).map((id) => bytesToHex(id).toUpperCase()),
        ),
        payload: fc.oneof(fc.uint8Array({ maxLength: 2000 }).map(toBase64), fc.string(), fc.base64String()),
        tries: fc.oneof(fc.nat(10), fc.integer(), fc.double(), fc.string()),
      },
      { requiredKeys: ['type'] },
    ),
  },
);

describe('fuzz: the C2 receipt decoder', () => {
  const runs = fuzzRuns();
  it(
    `reads any message without throwing; what it reads is well formed (${runs} runs)`,
    () => {
      fc.assert(
        fc.property(messageArb, (message) => {
          const read = readReceiptMessage(message);
          if (read === undefined) return;
          assert.equal(read.clientId.length, 16);
          assert.ok(read.payload.length <= 1024);
          assert.ok(Number.isSafeInteger(read.tries) && read.tries >= 0);
          assert.equal(toBase64(read.payload), (message as { payload: string }).payload);
        }),
        { numRuns: runs },
      );
    },
    fuzzTimeout(runs, 0.1),
  );

  it(
    `opens a receipt only when it is intact, in the window and under the key (${runs} runs)`,
    () => {
      fc.assert(
        fc.property(
          receiptArb,
          fc.option(mutationsArb, { freq: 2 }),
          fc.option(keyArb, { freq: 2 }),
          (receipt, mutations, otherKey) => {
            // Prepare
            const built = build(receipt);
            const payload = mutations === null ? built.payload : mutate(built.payload, mutations);
            const key = otherKey ?? receipt.key;
            const intact = sameBytes(payload, built.payload) && sameBytes(key, receipt.key);

            // Act
            const early = checkReceipt(payload, NOW_MS);
            const opened = early === undefined ? openReceipt(payload, key, nodeEngine) : undefined;

            // Assess
            if (early !== undefined) assert.ok(E4_ERROR_CODES.has(early), early);
            if (opened && !opened.ok) assert.ok(E4_ERROR_CODES.has(opened.reason), opened.reason);
            const ok = opened?.ok === true;
            if (built.valid && intact) {
              assert.ok(ok, `a valid receipt was refused: ${early ?? (opened as { reason: string }).reason}`);
              assert.equal(bytesToHex((opened as { commandHash: Uint8Array }).commandHash), bytesToHex(built.hash));
            } else if (ok) {
              // Only a plaintext that happens to be a receipt, unchanged, under its key, can open.
              assert.ok(intact && receipt.plaintext !== null, 'a forged, tampered or stale receipt opened');
            }
            if (!built.valid && intact && receipt.plaintext === null) {
              assert.ok(
                early === E4ErrorCode.TimestampTooOld || early === E4ErrorCode.TimestampInFuture,
                `out of window: ${early}`,
              );
            }
          },
        ),
        { numRuns: runs },
      );
    },
    fuzzTimeout(runs, 0.2),
  );
});
