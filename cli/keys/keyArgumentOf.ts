/**
 * A 32-byte key typed on the command line (`--key`, `--pubkey`): 64 hex characters or 44 of standard base64 with
 * padding, answered as the API takes it (base64). A malformed one is a usage error that never repeats the value: it
 * may be a secret.
 */
import { fromBase64, hexToBytes, toBase64 } from '../../shared/e4/index.js';
import { usageError } from '../CliError.js';

const KEY_BYTES = 32;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;

/** `value` as base64 of 32 bytes; `option` names it in the error (`--key`). */
export function keyArgumentOf(value: string, option: string): string {
  const text = value.trim();
  if (HEX_KEY.test(text)) return toBase64(hexToBytes(text.toLowerCase()));
  const bytes = fromBase64(text);
  if (bytes?.length === KEY_BYTES && toBase64(bytes) === text) return text;
  throw usageError(`${option}: a key is ${KEY_BYTES} bytes, as 64 hex characters or 44 of base64`);
}
