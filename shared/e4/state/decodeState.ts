/**
 * Reads a client state document written by e4go or by this library. As Go's `json.Decoder`, it reads the first
 * JSON value and ignores what follows (e4go's file store never truncates, leaving stale bytes after a shorter
 * document), and matches field names case-insensitively (e4go writes `Key`, its struct tags say `key`). Every key is
 * validated. Anything wrong is an {@link E4Error} INVALID_STATE whose message names the field, never its value.
 */
import { fromBase64, isAllZero } from '../bytes.js';
import { ED25519_PUBLIC_KEY_LEN, ID_LEN } from '../constants.js';
import {
  isSmallOrderEncoding,
  validateCurve25519Key,
  validateEd25519PrivateKey,
  validateSymKey,
} from '../crypto/keys.js';
import { E4Error, E4ErrorCode } from '../errors.js';
import type { ClientState, Identity, Watermarks } from './ClientState.js';

const HEX_NAME = /^[0-9a-f]{32}$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
const decoder = new TextDecoder('utf-8'); // invalid sequences become U+FFFD, as in Go

function invalid(message: string, cause?: unknown): E4Error {
  return new E4Error(E4ErrorCode.InvalidState, `invalid client state: ${message}`, { cause });
}

/** Byte range of the first top-level JSON object, found by scanning strings and nesting. */
function firstObject(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length && WHITESPACE.has(bytes[i]!)) i++;
  if (bytes[i] !== 0x7b) throw invalid('not a JSON object');
  const start = i;
  let depth = 0;
  let inString = false;
  for (; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return bytes.subarray(start, i + 1);
    }
  }
  throw invalid('unterminated JSON document');
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Field lookup as Go's decoder does it: exact name first, then case-insensitive. */
function field(object: Json, name: string): unknown {
  if (Object.hasOwn(object, name)) return object[name];
  const lower = name.toLowerCase();
  let found: unknown;
  for (const key of Object.keys(object)) if (key.toLowerCase() === lower) found = object[key];
  return found;
}

function bytesField(object: Json, name: string, length?: number): Uint8Array {
  const value = field(object, name);
  const bytes = typeof value === 'string' ? fromBase64(value) : undefined;
  if (!bytes) throw invalid(`"${name}" must be a base64 string`);
  if (length !== undefined && bytes.length !== length) throw invalid(`"${name}" must hold ${length} bytes`);
  return bytes;
}

function mapField(object: Json, name: string): [string, Uint8Array][] {
  const value = field(object, name);
  if (value === undefined || value === null) return [];
  if (!isObject(value)) throw invalid(`"${name}" must be an object`);
  return Object.entries(value).map(([key, encoded]) => {
    const bytes = typeof encoded === 'string' ? fromBase64(encoded) : undefined;
    if (!HEX_NAME.test(key) || !bytes) throw invalid(`"${name}" entries must map 32 hex digits to base64`);
    return [key, bytes];
  });
}

function validated(name: string, check: () => void): void {
  try {
    check();
  } catch (cause) {
    throw invalid(`${name}: ${(cause as Error).message}`, cause);
  }
}

function decodeIdentity(key: unknown): Identity {
  if (!isObject(key)) throw invalid('"Key" must be an object');
  const keyType = field(key, 'keyType');
  const keyData = field(key, 'keyData');
  if (!isObject(keyData)) throw invalid('"keyData" must be an object');
  if (keyType === 0) {
    const symKey = bytesField(keyData, 'Key');
    validated('Key', () => validateSymKey(symKey));
    return { mode: 'symmetric', key: symKey };
  }
  if (keyType === 1) {
    const privateKey = bytesField(keyData, 'PrivateKey');
    validated('PrivateKey', () => validateEd25519PrivateKey(privateKey));
    const signerId = bytesField(keyData, 'SignerID', ID_LEN);
    const c2PublicKey = bytesField(keyData, 'C2PubKey');
    validated('C2PubKey', () => validateCurve25519Key(c2PublicKey, 'curve25519 public key'));
    const pubKeys = mapField(keyData, 'PubKeys');
    // Length and the small-order check only: a full point decoding per key would make loading a gateway slow,
    // and a key that is not a point just never verifies.
    if (pubKeys.some(([, k]) => k.length !== ED25519_PUBLIC_KEY_LEN || isSmallOrderEncoding(k))) {
      throw invalid('"PubKeys" must hold 32-byte Ed25519 public keys of large order');
    }
    return { mode: 'pubkey', privateKey, signerId, c2PublicKey, pubKeys: new Map(pubKeys) };
  }
  throw invalid('"keyType" must be 0 (symmetric) or 1 (public key)');
}

function timestamp(value: unknown, name: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw invalid(`"${name}" must be a non-negative integer (Unix seconds)`);
  }
  return value === 0 ? 0 : (value as number); // -0 reads as 0, as Go reads it
}

function timestampMap(value: unknown, name: string): Map<string, number> | undefined {
  if (!isObject(value)) throw invalid(`"Watermarks.${name}" must be an object`);
  const entries = Object.entries(value).map(([key, seconds]) => {
    if (!HEX_NAME.test(key)) throw invalid(`"Watermarks.${name}" keys must be 32 hex digits`);
    return [key, timestamp(seconds, `Watermarks.${name}`)] as const;
  });
  return entries.length > 0 ? new Map(entries) : undefined;
}

const WATERMARK_MEMBERS = new Set(['Topics', 'TopicsFloor', 'IDKey', 'C2Key', 'PubKeys', 'PubKeysFloor']);

/** Our own field (not e4go's): exact member names, nothing else; absent when empty. */
function decodeWatermarks(value: unknown): Watermarks | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw invalid('"Watermarks" must be an object');
  const unknown = Object.keys(value).find((name) => !WATERMARK_MEMBERS.has(name));
  if (unknown !== undefined) throw invalid('"Watermarks" has an unknown member');
  const out: { -readonly [K in keyof Watermarks]: Watermarks[K] } = {};
  const topics = value.Topics === undefined ? undefined : timestampMap(value.Topics, 'Topics');
  if (topics) out.topics = topics;
  if (value.TopicsFloor !== undefined) out.topicsFloor = timestamp(value.TopicsFloor, 'Watermarks.TopicsFloor');
  if (value.IDKey !== undefined) out.idKey = timestamp(value.IDKey, 'Watermarks.IDKey');
  if (value.C2Key !== undefined) out.c2Key = timestamp(value.C2Key, 'Watermarks.C2Key');
  const pubKeys = value.PubKeys === undefined ? undefined : timestampMap(value.PubKeys, 'PubKeys');
  if (pubKeys) out.pubKeys = pubKeys;
  if (value.PubKeysFloor !== undefined) out.pubKeysFloor = timestamp(value.PubKeysFloor, 'Watermarks.PubKeysFloor');
  return Object.keys(out).length > 0 ? out : undefined;
}

export function decodeState(document: Uint8Array | string): ClientState {
  const bytes = typeof document === 'string' ? new TextEncoder().encode(document) : document;
  if (!(bytes instanceof Uint8Array)) throw invalid('expected bytes or a string');
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(firstObject(bytes)));
  } catch (error) {
    if (error instanceof E4Error) throw error;
    // No cause: the parser's message quotes the document around the error, which may be key material.
    throw invalid('malformed JSON');
  }
  if (!isObject(parsed)) throw invalid('not a JSON object');
  const id = bytesField(parsed, 'ID');
  if (id.length === 0) throw invalid('"ID" must not be empty');
  const identity = decodeIdentity(field(parsed, 'Key'));
  if (identity.mode === 'pubkey' && id.length !== ID_LEN) throw invalid(`"ID" must hold ${ID_LEN} bytes`);
  const receivingTopic = field(parsed, 'ReceivingTopic');
  if (typeof receivingTopic !== 'string' || receivingTopic.length === 0) {
    throw invalid('"ReceivingTopic" must be a non-empty string');
  }
  const topicKeys = mapField(parsed, 'TopicKeys');
  // Go decodes an escaped lone surrogate (\ud800) as U+FFFD; so does this reader.
  if (topicKeys.some(([, k]) => k.length !== 32 && k.length !== 40)) {
    throw invalid('"TopicKeys" values must hold 32 bytes (a key) or 40 (a previous key and its time)');
  }
  if (topicKeys.some(([, k]) => isAllZero(k.subarray(0, 32)))) throw invalid('"TopicKeys" holds an all-zero key');
  const watermarks = decodeWatermarks(Object.hasOwn(parsed, 'Watermarks') ? parsed.Watermarks : undefined);
  return {
    id,
    topicKeys,
    identity,
    receivingTopic: receivingTopic.replace(LONE_SURROGATE, '\ufffd'),
    ...(watermarks && { watermarks }),
  };
}
