/**
 * e4c2/client: the E4 protocol and device library (pure TypeScript on @noble/*; runs in Node, browsers and edge
 * runtimes). In Node, `e4c2/client` resolves to `node/index.ts`, which adds the node:crypto engine and a file store.
 */
export * from './bytes.js';
export {
  type ClientConfig,
  type ClientOptions,
  E4Client,
  type PubKeyConfig,
  type PubKeyPasswordConfig,
  type SymmetricKeyConfig,
  type SymmetricPasswordConfig,
  type UnprotectResult,
} from './client/E4Client.js';
export { type Clock, checkTimestamp, fixedClock, type Instant, readTimestamp, systemClock } from './clock.js';
export * from './commands/Command.js';
export * from './commands/commandBuilders.js';
export { decodeCommand, encodeCommand } from './commands/commandCodec.js';
export * from './constants.js';
export { argon2i, e4Argon2i } from './crypto/argon2i.js';
export type { CryptoEngine, SivKey } from './crypto/CryptoEngine.js';
export { getDefaultEngine, setDefaultEngine } from './crypto/defaultEngine.js';
export { hashIdAlias, hashTopic, oldKeySlot, sha3, topicForId } from './crypto/hash.js';
export * from './crypto/keys.js';
export { pureEngine } from './crypto/pureEngine.js';
export * from './errors.js';
export * from './framing/protectWithKey.js';
export { checkPubKeyFrame, openPubKeyFrame, protectPubKey } from './framing/pubkeyFrame.js';
export {
  checkSymmetricFrame,
  openSymmetricFrame,
  protectSymmetric,
  unprotectSymmetric,
} from './framing/symmetricFrame.js';
export * from './receipts/commandReceipt.js';
export type { ClientState, Identity, PubKeyIdentity, SymmetricIdentity } from './state/ClientState.js';
export { decodeState } from './state/decodeState.js';
export { encodeState, goJsonString } from './state/encodeState.js';
export { MemoryStateStore } from './storage/MemoryStateStore.js';
export type { StateStore } from './storage/StateStore.js';
