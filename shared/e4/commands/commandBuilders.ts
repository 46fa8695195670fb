/**
 * e4go's command builders (`CmdRemoveTopic`, ...): plaintexts from topic strings and client names, as the C2 sends
 * them. Protect the result with {@link protectCommand}.
 */
import { hashIdAlias, hashTopic } from '../crypto/hash.js';
import { encodeCommand } from './commandCodec.js';

export const cmdRemoveTopic = (topic: string): Uint8Array =>
  encodeCommand({ type: 'RemoveTopic', topicHash: hashTopic(topic) });
export const cmdResetTopics = (): Uint8Array => encodeCommand({ type: 'ResetTopics' });
export const cmdSetIdKey = (key: Uint8Array): Uint8Array => encodeCommand({ type: 'SetIDKey', key });
export const cmdSetTopicKey = (key: Uint8Array, topic: string): Uint8Array =>
  encodeCommand({ type: 'SetTopicKey', key, topicHash: hashTopic(topic) });
export const cmdRemovePubKey = (name: string): Uint8Array =>
  encodeCommand({ type: 'RemovePubKey', id: hashIdAlias(name) });
export const cmdResetPubKeys = (): Uint8Array => encodeCommand({ type: 'ResetPubKeys' });
export const cmdSetPubKey = (publicKey: Uint8Array, name: string): Uint8Array =>
  encodeCommand({ type: 'SetPubKey', publicKey, id: hashIdAlias(name) });
export const cmdSetC2Key = (c2PublicKey: Uint8Array): Uint8Array =>
  encodeCommand({ type: 'SetC2Key', publicKey: c2PublicKey });
