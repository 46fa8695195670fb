/**
 * Writes a key in e4keygen's file layout: the private (or symmetric) key as raw bytes in `<out>` (mode 0600), the
 * public key as raw bytes in `<out>.pub` (mode 0644). Without `force`, an existing file is never touched: both paths
 * are checked first, then each file is created exclusively (`wx`). With `force`, each file is written beside its
 * target and renamed over it, so that an overwritten key file gets the right mode and is never left half-written.
 */
import { randomBytes } from 'node:crypto';
import { access, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CliError } from '../CliError.js';
import { ExitCode } from '../ExitCode.js';
import type { GeneratedKey } from './generateKey.js';

export interface KeyFiles {
  readonly privateKey: string;
  readonly publicKey?: string;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

async function writeFileExclusive(path: string, bytes: Uint8Array, mode: number): Promise<void> {
  const file = await open(path, 'wx', mode);
  try {
    await file.writeFile(bytes);
    await file.sync();
  } finally {
    await file.close();
  }
}

async function replaceFile(path: string, bytes: Uint8Array, mode: number): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFileExclusive(temporary, bytes, mode);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => {});
    throw error;
  }
}

function writeFailure(path: string, error: unknown): CliError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EEXIST') return new CliError(`${path} exists: --force overwrites it`, ExitCode.Refused);
  return new CliError(`cannot write ${path}: ${code ?? (error as Error).message}`, ExitCode.Refused);
}

export async function writeKeyFiles(out: string, key: GeneratedKey, { force = false } = {}): Promise<KeyFiles> {
  const files: KeyFiles = { privateKey: out, ...(key.publicKey ? { publicKey: `${out}.pub` } : {}) };
  if (!force) {
    for (const path of [files.privateKey, files.publicKey]) {
      if (path && (await exists(path))) throw writeFailure(path, Object.assign(new Error(), { code: 'EEXIST' }));
    }
  }
  const write = force ? replaceFile : writeFileExclusive;
  const targets: [string | undefined, Uint8Array | undefined, number][] = [
    [files.privateKey, key.privateKey, 0o600],
    [files.publicKey, key.publicKey, 0o644],
  ];
  for (const [path, bytes, mode] of targets) {
    if (!path || !bytes) continue;
    try {
      await write(path, bytes, mode);
    } catch (error) {
      throw writeFailure(path, error);
    }
  }
  return files;
}
