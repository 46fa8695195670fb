/**
 * Writes a client state as the exact document e4go's `json.Encoder` produces: field order ID, TopicKeys, Key,
 * ReceivingTopic; byte fields in standard padded base64; map keys sorted; Go's string escaping (`<`, `>`, `&`,
 * U+2028, U+2029 as \u escapes); a trailing newline. The client's command watermarks, when it has any, follow as one
 * more top-level field, `Watermarks`, which e4go ignores when it loads the document.
 */
import { toBase64, utf8 } from '../bytes.js';
import type { ClientState, Watermarks } from './ClientState.js';

const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A JSON string literal as Go's encoding/json writes it (HTML-safe escaping on). */
export function goJsonString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    const short = SHORT_ESCAPES[ch];
    if (short) out += short;
    else if (code < 0x20 || ch === '<' || ch === '>' || ch === '&' || code === 0x2028 || code === 0x2029) {
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    } else if (code >= 0xd800 && code <= 0xdfff)
      out += '\\ufffd'; // lone surrogate: Go writes U+FFFD
    else out += ch;
  }
  return `${out}"`;
}

function object(entries: Iterable<readonly [string, string]>): string {
  const parts: string[] = [];
  for (const [key, value] of entries) parts.push(`${goJsonString(key)}:${value}`);
  return `{${parts.join(',')}}`;
}

const b64 = (bytes: Uint8Array): string => goJsonString(toBase64(bytes));

/** Go sorts map keys when it encodes them. */
function sorted<T>(entries: Iterable<readonly [string, T]>): (readonly [string, T])[] {
  return [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `{"Topics":{..},"TopicsFloor":n,"IDKey":n,"C2Key":n,"PubKeys":{..},"PubKeysFloor":n}`, members when set. */
function watermarksField(watermarks: Watermarks): string {
  const members: [string, string][] = [];
  const timestamps = (map: ReadonlyMap<string, number>) =>
    object(sorted(map).map(([name, timestamp]) => [name, String(timestamp)] as const));
  if (watermarks.topics?.size) members.push(['Topics', timestamps(watermarks.topics)]);
  if (watermarks.topicsFloor !== undefined) members.push(['TopicsFloor', String(watermarks.topicsFloor)]);
  if (watermarks.idKey !== undefined) members.push(['IDKey', String(watermarks.idKey)]);
  if (watermarks.c2Key !== undefined) members.push(['C2Key', String(watermarks.c2Key)]);
  if (watermarks.pubKeys?.size) members.push(['PubKeys', timestamps(watermarks.pubKeys)]);
  if (watermarks.pubKeysFloor !== undefined) members.push(['PubKeysFloor', String(watermarks.pubKeysFloor)]);
  return object(members);
}

export function encodeState(state: ClientState): Uint8Array {
  const topicKeys = object(sorted(state.topicKeys).map(([name, value]) => [name, b64(value)] as const));
  const identity = state.identity;
  const key =
    identity.mode === 'symmetric'
      ? `{"keyType":0,"keyData":${object([['Key', b64(identity.key)]])}}`
      : `{"keyType":1,"keyData":${object([
          ['PrivateKey', b64(identity.privateKey)],
          ['SignerID', b64(identity.signerId)],
          ['C2PubKey', b64(identity.c2PublicKey)],
          ['PubKeys', object(sorted(identity.pubKeys).map(([id, k]) => [id, b64(k)] as const))],
        ])}}`;
  const document = object([
    ['ID', b64(state.id)],
    ['TopicKeys', topicKeys],
    ['Key', key],
    ['ReceivingTopic', goJsonString(state.receivingTopic)],
  ]);
  const watermarks = state.watermarks && watermarksField(state.watermarks);
  if (watermarks && watermarks !== '{}') return utf8(`${document.slice(0, -1)},"Watermarks":${watermarks}}\n`);
  return utf8(`${document}\n`);
}
