// The PGlite adapter of `SqlDriver`: one embedded Postgres in this process (queries are
// serialised by PGlite), with the same SQL as the `pg` adapter and PGlite's own `listen()`.
// A data directory gives durability with no server; no data directory keeps it in memory.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  type DriverHealth,
  isConnectionError,
  type ListenHandlers,
  type SqlDriver,
  type SqlQueryable,
  type Statement,
} from '../driver.js';
import type { PGliteInstance } from '../options.js';

/**
 * The settings of an embedded database Warden opens itself. PGlite's default shared buffers
 * (128 MB) are most of its memory; a task queue's working set is far smaller.
 */
export const EMBEDDED_SETTINGS: readonly string[] = ['shared_buffers=16MB', 'wal_buffers=1MB'];

/** Use `db` (which stays open on close), or open one on `dataDir` (closed on close). */
export async function openPgliteDriver(
  source: PGliteInstance | { readonly dataDir?: string | undefined },
): Promise<SqlDriver> {
  if (isPglite(source)) return new PgliteDriver(source, false);
  const { PGlite } = await import('@electric-sql/pglite');
  const options = { postgresqlconf: [...EMBEDDED_SETTINGS] };
  const { dataDir } = source;
  if (dataDir !== undefined && !existsSync(join(dataDir, 'PG_VERSION'))) {
    await initialiseDataDir(dataDir);
  }
  const db =
    dataDir === undefined ? await PGlite.create(options) : await PGlite.create(dataDir, options);
  return new PgliteDriver(db, true);
}

/**
 * Create a fresh data directory in a short-lived child process: PGlite's `initdb` takes about
 * 500 MB that the process would otherwise keep. Rejects when the child fails.
 */
async function initialiseDataDir(dataDir: string): Promise<void> {
  const module = import.meta.resolve('@electric-sql/pglite');
  const script = `const { PGlite } = await import(${JSON.stringify(module)});
const db = await PGlite.create(${JSON.stringify(dataDir)});
await db.close();`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) {
    throw new Error(`creating the embedded database in ${dataDir} failed: ${stderr.trim()}`);
  }
}

/** True when `value` looks like a PGlite instance (rather than `{ dataDir }`). */
export function isPglite(value: unknown): value is PGliteInstance {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as PGliteInstance).query === 'function' &&
    typeof (value as PGliteInstance).listen === 'function'
  );
}

class PgliteDriver implements SqlDriver {
  readonly kind = 'pglite';
  readonly exclusive: boolean;
  private _database = true;
  private _unlisten: (() => Promise<void>) | undefined = undefined;

  constructor(
    private readonly _db: PGliteInstance,
    private readonly _owned: boolean,
  ) {
    this.exclusive = _owned;
  }

  get health(): DriverHealth {
    const open = !this._db.closed;
    return { database: open && this._database, listener: open };
  }

  async query<R>(statement: Statement | string, params: readonly unknown[] = []): Promise<R[]> {
    const text = typeof statement === 'string' ? statement : statement.text;
    try {
      const result = await this._db.query<R>(text, params as unknown[]);
      this._database = true;
      return result.rows;
    } catch (error) {
      if (isConnectionError(error)) this._database = false;
      throw error;
    }
  }

  async exec(sql: string): Promise<void> {
    await this._db.exec(sql);
  }

  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    return this._db.transaction(async (tx) => {
      const queryable: SqlQueryable = {
        query: async <R>(statement: Statement | string, params: readonly unknown[] = []) => {
          const text = typeof statement === 'string' ? statement : statement.text;
          return (await tx.query<R>(text, params as unknown[])).rows;
        },
        exec: async (sql: string) => {
          await tx.exec(sql);
        },
      };
      return fn(queryable);
    });
  }

  async listen(channel: string, handlers: ListenHandlers): Promise<void> {
    this._unlisten = await this._db.listen(channel, (payload) => handlers.notification(payload));
  }

  async close(): Promise<void> {
    const unlisten = this._unlisten;
    this._unlisten = undefined;
    if (!this._db.closed) {
      if (unlisten !== undefined) await unlisten().catch(() => {});
      if (this._owned) await this._db.close();
    }
  }
}
