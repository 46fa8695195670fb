import { sha3 } from '../../e4/index.js';

/** The hash a receipt names a command by: SHA3-256 of the protected frame, first 16 bytes (docs/protocol.md, 11). */
export const commandHashOf = (payload: Uint8Array): Uint8Array => sha3(payload).subarray(0, 16);
