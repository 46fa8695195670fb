/**
 * SHA3-256 based names of E4 (docs/protocol.md, section 2): client IDs from names, topic hashes, the old-key slot of a topic,
 * and the control topic of a client. SHA3-256 of the default engine: @noble/hashes, or OpenSSL once the Node entry
 * (or a server's composition) installed the node:crypto engine (the same bytes, several times faster: the C2 hashes
 * a client name for every record it reads or writes).
 */
import { bytesToHex, utf8 } from '../bytes.js';
import { CONTROL_TOPIC_PREFIX, HASH_LEN, ID_LEN } from '../constants.js';
import { getDefaultEngine } from './defaultEngine.js';

export function sha3(data: Uint8Array): Uint8Array {
  return getDefaultEngine().sha3(data);
}

/** ID of a client from its name: SHA3-256(UTF-8 name)[0:16] (e4go `HashIDAlias`). */
export function hashIdAlias(name: string): Uint8Array {
  return sha3(utf8(name)).subarray(0, ID_LEN);
}

/** Hash of a topic: SHA3-256(UTF-8 topic)[0:16] (e4go `HashTopic`). */
export function hashTopic(topic: string): Uint8Array {
  return sha3(utf8(topic)).subarray(0, HASH_LEN);
}

/**
 * The key of the previous-key slot of a topic: SHA3-256 over the 16 raw bytes of the topic hash, truncated
 * (e4go `HashTopic(string(topicHash))`).
 */
export function oldKeySlot(topicHash: Uint8Array): Uint8Array {
  return sha3(topicHash).subarray(0, HASH_LEN);
}

/** The control topic of a client: `e4/` + lowercase hex of its ID (e4go `TopicForID`). */
export function topicForId(id: Uint8Array): string {
  return CONTROL_TOPIC_PREFIX + bytesToHex(id);
}
