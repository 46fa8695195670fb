/**
 * One local mode per state folder: its embedded database (LevelDB) must not be opened by two processes. The lock is a
 * file holding the owner's pid, created exclusively; a lock left by a process that no longer runs is taken over.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalModeError, LocalModeErrorCode } from './LocalModeError.js';

export interface StateDirLock {
  release(): Promise<void>;
}

/** Locks held by this process (a pid file cannot tell them apart from a stale lock of a previous run). */
const heldHere = new Set<string>();

export async function lockStateDir(stateDir: string): Promise<StateDirLock> {
  const path = join(stateDir, 'lock');
  if (heldHere.has(path)) throw inUse(stateDir, process.pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const file = await open(path, 'wx', 0o600);
      try {
        await file.writeFile(`${process.pid}\n`);
      } finally {
        await file.close();
      }
      heldHere.add(path);
      let released = false;
      return {
        release: async () => {
          if (released) return;
          released = true;
          heldHere.delete(path);
          await rm(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isRunning(owner)) throw inUse(stateDir, owner);
    await rm(path, { force: true });
  }
  throw inUse(stateDir, undefined);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function inUse(stateDir: string, pid: number | undefined): LocalModeError {
  const by = pid === undefined ? 'another process' : `process ${pid}`;
  return new LocalModeError(
    LocalModeErrorCode.StateDirInUse,
    `the state folder ${stateDir} is in use by ${by} (stop it, or choose another folder with --state-dir)`,
  );
}
