/**
 * The crypto engine of the C2 on a server (Lambda and local mode): node:crypto with every AES-SIV operation on
 * OpenSSL whatever its size (key wrapping in the vault, command protection), never the pure engine's table-based AES,
 * whose lookups are not constant-time. Devices keep the library's default (the pure path below 144 bytes, faster for
 * short messages). See docs/security-model.md.
 */
import type { CryptoEngine } from '../shared/e4/index.js';
import { createNodeEngine } from '../shared/e4/node/nodeEngine.js';

export const c2Engine: CryptoEngine = createNodeEngine({ sivThreshold: 0 });
