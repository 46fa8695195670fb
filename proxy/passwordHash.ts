/**
 * Downstream passwords of the proxy, stored as scrypt hashes (`scrypt$<log2 N>$<r>$<p>$<salt b64>$<hash b64>`, what
 * `e4c2 proxy hash-password` prints) so that a configuration or a file beside a state file never holds a password a
 * reader could replay. Checked with the hash's own parameters, compared in constant time.
 */
import { Buffer } from 'node:buffer';
import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

const FORMAT = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;
const LOG_N = 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

/** Whether `text` is a password hash this module can check (the parameters within sane bounds). */
export function isPasswordHash(text: string): boolean {
  const match = FORMAT.exec(text);
  if (!match) return false;
  const [logN, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return logN >= 10 && logN <= 20 && r >= 1 && r <= 16 && p >= 1 && p <= 4;
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(Buffer.from(password, 'utf8'), salt, KEY_LENGTH, { N: 2 ** LOG_N, r: R, p: P });
  return `scrypt$${LOG_N}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Whether `password` is the one `hash` was made from; false for a hash in an unknown format. */
export async function verifyPassword(password: Buffer, hash: string): Promise<boolean> {
  const match = FORMAT.exec(hash);
  if (!match || !isPasswordHash(hash)) return false;
  const expected = Buffer.from(match[5]!, 'base64');
  const options = { N: 2 ** Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  const actual = await derive(password, Buffer.from(match[4]!, 'base64'), expected.length, options);
  return expected.length > 0 && timingSafeEqual(actual, expected);
}

function derive(password: Buffer, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> {
  const maxmem = 256 * options.N! * options.r! + 1024 * 1024;
  return new Promise((resolve, reject) =>
    scrypt(password, salt, length, { ...options, maxmem }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}
