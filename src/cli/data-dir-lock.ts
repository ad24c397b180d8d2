/**
 * A lock file in an embedded database's directory: PGlite is one process's database, and two
 * processes opening one directory would corrupt it. The second is refused, naming the first.
 *
 * @module
 */

import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const LOCK_FILE = 'warden.lock';

/**
 * Take the lock of `dataDir` (creating the directory), or return the pid of the live process
 * that holds it. A lock left by a process that no longer runs is taken over. The lock is
 * released when this process exits, or by the returned `release`.
 *
 * @example
 * ```ts
 * const lock = lockDataDir('.warden');
 * if ('heldBy' in lock) throw new Error(`in use by ${lock.heldBy}`);
 * ```
 */
export function lockDataDir(dataDir: string): { release(): void } | { heldBy: number } {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
        return { heldBy: holder };
      }
      // Stale: its process is gone. Remove it and try once more.
      unlinkSync(path);
      continue;
    }
    const release = (): void => {
      process.removeListener('exit', release);
      try {
        if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
      } catch {
        // Already gone.
      }
    };
    process.on('exit', release);
    return { release };
  }
  return { heldBy: Number.NaN };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, but belongs to someone else.
    return (error as { code?: unknown }).code === 'EPERM';
  }
}
