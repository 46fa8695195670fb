/**
 * A 0600 file made in two steps, for what the API shows once (claim codes, their label sheet): reserved before the
 * call, as a temporary file beside the target created exclusively (so that a missing folder, a read-only one or a
 * target that exists without --force fails before anything is registered), then written and renamed over the
 * target after it. The target is never seen with other permissions or half written; a reservation not written is
 * removed. Or, for what arrives in parts (the claim codes of each call), appended: each part written and synced, the
 * file put in place at the first, so that a run killed midway keeps what it received.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { usageError } from '../CliError.js';

export interface ReservedPrivateFile {
  readonly path: string;
  /** Writes `data` and puts the file in place (throws on a write failure, the reservation removed). */
  write(data: string | Uint8Array): void;
  /**
   * Appends `data`, synced to disk; the first puts the file in place (throws on a write failure: what was appended
   * before stays). Closed by {@link discard}.
   */
  append(data: string): void;
  /** Removes the reservation (nothing when written or appended to: then only closed). */
  discard(): void;
}

export function reservePrivateFile(path: string, option: string, force = false): ReservedPrivateFile {
  if (!force && existsSync(path)) throw usageError(`${option} ${path}: the file exists (--force replaces it)`);
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temporary, 'wx', 0o600);
  } catch (error) {
    throw usageError(`${option} ${path}: cannot create it (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let placed = false;
  const discard = () => {
    if (fd === undefined) return;
    closeSync(fd);
    fd = undefined;
    if (!placed) rmSync(temporary, { force: true });
  };
  return {
    path,
    write(data) {
      if (fd === undefined) throw new Error(`${path}: written or discarded already`);
      try {
        writeFileSync(fd, data);
        closeSync(fd);
        fd = undefined;
        renameSync(temporary, path);
      } catch (error) {
        discard();
        rmSync(temporary, { force: true });
        throw error;
      }
    },
    append(data) {
      if (fd === undefined) throw new Error(`${path}: written or discarded already`);
      writeFileSync(fd, data);
      fsyncSync(fd);
      if (!placed) {
        renameSync(temporary, path);
        placed = true;
      }
    },
    discard,
  };
}
