/**
 * What a downstream client must present (its MQTT password) to act as an E4 identity of the proxy: a scrypt hash
 * ({@link verifyPassword}), or a password read from a file or a variable, compared through SHA-256 digests in
 * constant time. Neither the password nor the hash is ever logged or put in an error.
 */
import { Buffer } from 'node:buffer';
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Credential } from './config/ProxyConfig.js';
import { readSecret } from './config/readSecret.js';
import { isPasswordHash, verifyPassword } from './passwordHash.js';

export class DownstreamCredential {
  private constructor(
    readonly kind: 'hash' | 'password',
    readonly secret: string | Buffer,
  ) {}

  /** The configured credential; else the hash in `hashFile` (a gateway device's `<name>.passwd`) if there is one. */
  static async load(credential: Credential, hashFile?: string): Promise<DownstreamCredential | undefined> {
    if (credential.passwordHash !== undefined) return new DownstreamCredential('hash', credential.passwordHash);
    if (credential.password) {
      const password = await readSecret(credential.password);
      if (password === '') throw new Error('an empty downstream password is not a credential');
      return new DownstreamCredential('password', digest(Buffer.from(password, 'utf8')));
    }
    if (hashFile === undefined) return undefined;
    let text: string;
    try {
      text = (await readFile(hashFile, 'utf8')).trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`cannot read the password hash file ${hashFile}: ${(error as NodeJS.ErrnoException).code}`);
    }
    if (!isPasswordHash(text)) {
      throw new Error(`${hashFile} holds no password hash (make one with \`e4c2 proxy hash-password\`)`);
    }
    return new DownstreamCredential('hash', text);
  }

  /** Whether the MQTT password a client gave is this credential's; false when it gave none. */
  async verify(password: Buffer | undefined): Promise<boolean> {
    if (password === undefined || password.length === 0) return false;
    if (this.kind === 'hash') return verifyPassword(password, this.secret as string);
    return timingSafeEqual(digest(password), this.secret as Buffer);
  }
}

function digest(bytes: Buffer): Buffer {
  return createHash('sha256').update(bytes).digest();
}
