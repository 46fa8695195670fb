/**
 * Loads the e4go vector files (see test/vectors/data/README.md for where they come from and which folder wins).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hexToBytes } from '../../shared/e4/index.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export function vectorsDir(): string {
  const fromEnv = process.env.E4_VECTORS_DIR;
  if (fromEnv) return resolve(fromEnv);
  const beside = resolve(root, '../shared/vectors');
  if (existsSync(join(beside, 'e4go-vectors.json'))) return beside;
  return join(root, 'test/vectors/data');
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

/** The main e4go vector document (the first file that has an `identities` section). */
// biome-ignore lint/suspicious/noExplicitAny: see VectorFile
export function e4goVectors(): any {
  const found = loadVectorFiles().find((f) => f.data.identities);
  if (!found) throw new Error('no vector file with an "identities" section');
  return found.data;
}

export const hex = (text: string): Uint8Array => hexToBytes(text);
