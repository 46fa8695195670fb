/**
 * Loads the vector files (test/vectors/data/README.md) and reads the identities a vector file declares.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ed25519PrivateKeyFromSeed, hexToBytes } from '../../shared/e4/index.js';

const dataDir = resolve(fileURLToPath(new URL('../vectors/data', import.meta.url)));

/** The folder of vector files: `E4_VECTORS_DIR` when set, else the committed test/vectors/data. */
export function vectorsDir(): string {
  const fromEnv = process.env.E4_VECTORS_DIR;
  return fromEnv ? resolve(fromEnv) : dataDir;
}

export interface VectorFile {
  readonly file: string;
  // biome-ignore lint/suspicious/noExplicitAny: vector files are data of a documented but loose schema
  readonly data: any;
}

export function loadVectorFiles(dir = vectorsDir()): VectorFile[] {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort();
  if (files.length === 0) throw new Error(`no *.json vector files in ${dir}`);
  return files.map((name) => ({ file: name, data: JSON.parse(readFileSync(join(dir, name), 'utf8')) }));
}

/** e4go's own vector document (the committed copy), for the unit tests that pick single values from it. */
// biome-ignore lint/suspicious/noExplicitAny: see VectorFile
export function e4goVectors(): any {
  return JSON.parse(readFileSync(join(dataDir, 'e4go-vectors.json'), 'utf8'));
}

export const hex = (text: string): Uint8Array => hexToBytes(text);

/** An Ed25519 identity of a vector file (any entry with an id and a public key; the private key when given). */
export interface VectorEdIdentity {
  readonly name: string | undefined;
  readonly idHex: string;
  readonly publicKeyHex: string;
  readonly privateKey: Uint8Array | undefined;
  /** The command key of its public-key channel with the file's C2, as the file states it. */
  readonly commandKeyHex: string | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: see VectorFile
  readonly entry: any;
}

/** The private key of an entry: `ed25519_private_key_hex` (Go's 64 bytes), or made from `ed25519_seed_hex`. */
// biome-ignore lint/suspicious/noExplicitAny: see VectorFile
export function ed25519PrivateKeyOf(entry: any): Uint8Array | undefined {
  const privateKey = entry?.ed25519_private_key_hex ?? entry?.private_key_hex;
  if (privateKey) return hex(privateKey);
  const seed = entry?.ed25519_seed_hex ?? entry?.seed_hex;
  if (seed) return ed25519PrivateKeyFromSeed(hex(seed)).privateKey;
  return undefined;
}

/** Every entry of an `identities` section that has `id_hex` and an Ed25519 public key (`ed25519_public_key_hex`). */
// biome-ignore lint/suspicious/noExplicitAny: see VectorFile
export function edIdentitiesOf(identities: any): VectorEdIdentity[] {
  // biome-ignore lint/suspicious/noExplicitAny: see VectorFile
  const entries: any[] = Object.values(identities ?? {});
  return entries
    .filter((entry) => typeof entry?.id_hex === 'string' && typeof entry?.ed25519_public_key_hex === 'string')
    .map((entry) => ({
      name: entry.name,
      idHex: entry.id_hex,
      publicKeyHex: entry.ed25519_public_key_hex,
      privateKey: ed25519PrivateKeyOf(entry),
      commandKeyHex: entry.shared_command_key_hex,
      entry,
    }));
}
