/**
 * A Postgres backend (or a migration) started within a bound, so a dead database is a prompt
 * `DatabaseUnavailableError` rather than a wait; and the embedded directory's lock.
 *
 * @module
 */

import { DatabaseUnavailableError } from '../backend/errors.js';
import { TimeoutError } from '../errors.js';
import type { Logger } from '../observe/logger.js';
import { PostgresBackend, type PostgresBackendOptions } from '../postgres/index.js';
import type { ConnectionOptions } from '../postgres/options.js';
import { withTimeout } from '../task/timeouts.js';
import { lockDataDir } from './data-dir-lock.js';
import type { DatabaseChoice } from './database-flags.js';

/** How long opening and migrating the database may take before the command gives up. */
export const START_TIMEOUT_MS = 20_000;

/**
 * Take the embedded directory's lock (one process per directory). Throws
 * `DatabaseUnavailableError` naming the process that holds it.
 */
export function lockEmbedded(choice: DatabaseChoice, name: string): void {
  if (choice.dataDir === undefined) return;
  const lock = lockDataDir(choice.dataDir);
  if ('heldBy' in lock) {
    throw new DatabaseUnavailableError(
      name,
      `open ${choice.description}`,
      new Error(
        `process ${lock.heldBy} is using it (an embedded database serves one process; share a PostgreSQL server with --database to run several)`,
      ),
    );
  }
}

/**
 * A `PostgresBackend` on `choice` with `options`, started: connected and migrated.
 * `beforeStart` runs first (to register handlers, so that the worker claims their tasks from
 * its first claim). Rejects with the backend's `DatabaseUnavailableError` (or
 * `MigrationFailedError`), also when starting takes longer than {@link START_TIMEOUT_MS}.
 *
 * @example
 * ```ts
 * const backend = await startBackend(choice, { concurrency: 10, logger }, (b) => b.register('x', run));
 * ```
 */
export async function startBackend(
  choice: DatabaseChoice,
  options: Omit<PostgresBackendOptions, keyof ConnectionOptions | 'schema'> & { logger: Logger },
  beforeStart: (backend: PostgresBackend) => void = () => {},
): Promise<PostgresBackend> {
  const name = options.name ?? 'postgres';
  lockEmbedded(choice, name);
  const backend = new PostgresBackend({ ...options, ...choice.connection, schema: choice.schema });
  beforeStart(backend);
  // A start that fails has closed what it opened; one that times out is left behind, and the
  // command exits.
  await bounded(backend.start(), name, choice);
  return backend;
}

/**
 * `work` (opening or migrating the database), or a `DatabaseUnavailableError` once it has taken
 * {@link START_TIMEOUT_MS}: a server that accepts connections and never answers must not keep
 * a command waiting.
 */
export async function bounded<T>(
  work: Promise<T>,
  name: string,
  choice: DatabaseChoice,
): Promise<T> {
  try {
    return await withTimeout(START_TIMEOUT_MS, (token) => token.race(work));
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    throw new DatabaseUnavailableError(
      name,
      `connect to ${choice.description}`,
      new Error(`no answer within ${START_TIMEOUT_MS / 1000} s`),
    );
  }
}
