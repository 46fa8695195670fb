/**
 * Creates the state folder of local mode (mode 0700: it holds the keyring) and checks that this process can write
 * in it, so that a bad folder fails at start with one clear line rather than at the first request.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { LocalModeError, LocalModeErrorCode } from './LocalModeError.js';

/** Returns the folder's absolute path. */
export async function prepareStateDir(stateDir: string): Promise<string> {
  const folder = resolve(stateDir);
  const probe = join(folder, `.write-probe-${randomBytes(6).toString('hex')}`);
  try {
    await mkdir(folder, { recursive: true, mode: 0o700 });
    await writeFile(probe, '', { flag: 'wx', mode: 0o600 });
    await rm(probe, { force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new LocalModeError(
      LocalModeErrorCode.StateDirNotWritable,
      `the state folder ${folder} is not writable (${code}); choose another with --state-dir`,
      { cause: error },
    );
  }
  return folder;
}
