/**
 * e4c2/client in Node: everything of the pure library, with the node:crypto engine installed as the default
 * (AES-NI for larger payloads, OpenSSL Ed25519/X25519/SHA3), and the file state store.
 */
import { setDefaultEngine } from '../crypto/defaultEngine.js';
import { nodeEngine } from './nodeEngine.js';

setDefaultEngine(nodeEngine);

export * from '../index.js';
export { FileStateStore } from './FileStateStore.js';
export { NODE_SIV_THRESHOLD, NodeSivKey } from './NodeSivKey.js';
export { createNodeEngine, type NodeEngineOptions, nodeEd25519Backend, nodeEngine } from './nodeEngine.js';
