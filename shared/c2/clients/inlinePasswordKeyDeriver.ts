import { deriveSymKey } from '../../e4/index.js';
import type { PasswordKeyDeriver } from '../ports.js';

/**
 * Derives password keys on the calling thread. Right for Lambda: an instance serves one request at a time, so the
 * half second of Argon2i delays only the request that asked for it (and Lambda scales out by instances). A server
 * that shares its event loop with other requests (local mode: the API and the broker) uses a worker thread instead
 * (shared/adapters/local/WorkerPasswordKeyDeriver.ts).
 */
export const inlinePasswordKeyDeriver: PasswordKeyDeriver = {
  deriveSymKey: async (password) => deriveSymKey(password),
};
