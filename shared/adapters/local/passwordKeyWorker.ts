/**
 * The worker thread of WorkerPasswordKeyDeriver: derives one password key per message (Argon2i, 64 MiB, as e4go)
 * and posts back `{ key }` (its buffer transferred) or `{ error: { code, message } }` for a password E4 refuses.
 */
import { parentPort } from 'node:worker_threads';
import { deriveSymKey, E4Error } from '../../e4/index.js';

const port = parentPort;
if (!port) throw new Error('passwordKeyWorker runs as a worker thread');

port.on('message', (password: string) => {
  try {
    const key = new Uint8Array(deriveSymKey(password));
    port.postMessage({ key }, [key.buffer]);
  } catch (error) {
    if (!(error instanceof E4Error)) throw error;
    port.postMessage({ error: { code: error.code, message: error.message } });
  }
});
