/**
 * The pure part of the receipt handler (fuzzed on its own): reading a receipt message as the queue hands it over, and
 * opening the protected receipt (docs/protocol.md, section 11). Never throws for bad input: what is refused comes
 * back with a reason (an E4 error code, or MALFORMED), never with key bytes.
 */
import {
  type CryptoEngine,
  checkSymmetricFrame,
  decodeReceipt,
  E4Error,
  fromBase64,
  hexToBytes,
  type Instant,
  openSymmetricFrame,
} from '../../../e4/index.js';

/** A receipt message that reads: the device's id and the protected receipt. */
export interface ReadReceipt {
  readonly tenantId: string;
  readonly clientId: Uint8Array;
  readonly payload: Uint8Array;
  readonly tries: number;
}

/** Largest protected receipt read (a version 1 receipt is 41 bytes; later versions may carry more). */
export const MAX_RECEIPT_BYTES = 1024;

const CLIENT_ID_HEX = /^[0-9a-f]{32}$/;

/** The receipt message's fields, checked; undefined when anything is missing, of the wrong type or too long. */
export function readReceiptMessage(message: unknown): ReadReceipt | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { tenantId, clientIdHex, payload, tries = 0 } = message as Record<string, unknown>;
  if (typeof tenantId !== 'string' || tenantId.length === 0) return undefined;
  if (typeof clientIdHex !== 'string' || !CLIENT_ID_HEX.test(clientIdHex)) return undefined;
  if (typeof payload !== 'string' || payload.length > Math.ceil(MAX_RECEIPT_BYTES / 3) * 4) return undefined;
  if (!Number.isSafeInteger(tries) || (tries as number) < 0) return undefined;
  const bytes = fromBase64(payload);
  if (!bytes) return undefined;
  return { tenantId, clientId: hexToBytes(clientIdHex), payload: bytes, tries: tries as number };
}

export type ReceiptOpening =
  | { readonly ok: true; readonly commandHash: Uint8Array }
  | { readonly ok: false; readonly reason: string };

/**
 * Checks length and timestamp (E4's window: at most 600 s old, not in the future) against the C2's clock `nowMs`
 * (milliseconds) before any key is opened; the reason of a refusal, or undefined.
 */
export function checkReceipt(payload: Uint8Array, nowMs: number): string | undefined {
  const seconds = Math.floor(nowMs / 1000);
  const now: Instant = { seconds, nanos: Math.floor(nowMs - seconds * 1000) * 1_000_000 };
  return refusal(() => checkSymmetricFrame(payload, now, 0));
}

/** Opens a checked receipt with one candidate command key: AUTHENTICATION_FAILED when it is not the key. */
export function openReceipt(payload: Uint8Array, key: Uint8Array, engine: CryptoEngine): ReceiptOpening {
  let commandHash: Uint8Array | undefined;
  const reason = refusal(() => {
    commandHash = decodeReceipt(openSymmetricFrame(engine.sivKey(key), payload));
  });
  return reason === undefined ? { ok: true, commandHash: commandHash! } : { ok: false, reason };
}

/** The E4 error code `act` throws, or undefined; anything else thrown is a bug and propagates. */
function refusal(act: () => void): string | undefined {
  try {
    act();
    return undefined;
  } catch (error) {
    if (error instanceof E4Error) return error.code;
    throw error;
  }
}
