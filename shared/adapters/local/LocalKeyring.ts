/**
 * The master key provider of local mode, in place of KMS: a 32-byte master key in a file created with mode 0600 on
 * first start (under the state folder). A data key is wrapped as 0x01 ‖ AES-SIV(master, ad = label ‖ tenant id)(key),
 * so it opens only for the tenant it was made for (as KMS enforces an encryption context).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { C2Error, C2ErrorCode } from '../../c2/errors.js';
import type { MasterKeyProvider } from '../../c2/ports.js';
import {
  type CryptoEngine,
  concatBytes,
  getDefaultEngine,
  isAllZero,
  KEY_LEN,
  type SivKey,
  utf8,
} from '../../e4/index.js';

const FORMAT = 0x01;
const LABEL = utf8('e4c2/data-key/v1\u0000');

export class LocalKeyring implements MasterKeyProvider {
  readonly #master: SivKey;

  private constructor(master: SivKey) {
    this.#master = master;
  }

  /** Opens the keyring file at `path`, creating it (and its folder) with a new random master key if absent. */
  static async open(path: string, options: { engine?: CryptoEngine } = {}): Promise<LocalKeyring> {
    const engine = options.engine ?? getDefaultEngine();
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    let master: Uint8Array;
    try {
      const file = await open(path, 'wx', 0o600);
      master = randomBytes(KEY_LEN);
      try {
        await file.writeFile(master);
        await file.sync();
      } finally {
        await file.close();
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      master = new Uint8Array(await readFile(path));
    }
    if (master.length !== KEY_LEN || isAllZero(master)) {
      throw new C2Error(C2ErrorCode.KeyUnavailable, `the keyring file ${path} does not hold a ${KEY_LEN}-byte key`);
    }
    const keyring = new LocalKeyring(engine.sivKey(master));
    master.fill(0);
    return keyring;
  }

  async generateDataKey(tenantId: string): Promise<{ plaintext: Uint8Array; wrapped: Uint8Array }> {
    const plaintext = new Uint8Array(randomBytes(KEY_LEN));
    const wrapped = new Uint8Array(1 + 16 + KEY_LEN);
    wrapped[0] = FORMAT;
    this.#master.sealInto(this.#context(tenantId), plaintext, wrapped, 1);
    return { plaintext, wrapped };
  }

  async decryptDataKey(tenantId: string, wrapped: Uint8Array): Promise<Uint8Array> {
    const plaintext =
      wrapped.length === 1 + 16 + KEY_LEN && wrapped[0] === FORMAT
        ? this.#master.open(this.#context(tenantId), wrapped.subarray(1))
        : undefined;
    if (!plaintext) throw new C2Error(C2ErrorCode.KeyUnavailable, 'the data key does not open for this tenant');
    return plaintext;
  }

  #context(tenantId: string): Uint8Array {
    if (typeof tenantId !== 'string' || tenantId.length === 0)
      throw new TypeError('tenantId must be a non-empty string');
    return concatBytes(LABEL, utf8(tenantId));
  }
}
