/**
 * Schema migrations of the Postgres backend: numbered SQL files (`migrations/000001.sql`, …)
 * applied in order, each in its own transaction under an advisory lock, so any number of
 * processes may start (and migrate) at once.
 *
 * @module
 */

import { readdirSync, readFileSync } from 'node:fs';
import { DatabaseUnavailableError } from '../backend/errors.js';
import { InvalidArgumentError } from '../errors.js';
import { checkOptionKeys, type OptionKeys, optionKeys } from '../internal/option-keys.js';
import { createConsoleLogger } from '../observe/logger.js';
import { isConnectionError, type SqlDriver } from './driver.js';
import { MigrationFailedError } from './errors.js';
import { openDriver } from './internal/open-driver.js';
import { validateConnection } from './internal/resolve-options.js';
import { type ConnectionOptions, connectionOptionKeys } from './options.js';
import { SCHEMA_PATTERN, type SchemaNames, schemaNames } from './sql/statement.js';

/** One migration file. */
interface Migration {
  readonly id: number;
  readonly name: string;
  readonly sql: string;
}

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
// The advisory lock's first key: 'Wdn1'. The second is a hash of the schema name.
const LOCK_CLASS = 0x57646e31;

let loaded: readonly Migration[] | undefined;

/** The migrations shipped with this version, in order. */
function migrations(): readonly Migration[] {
  if (loaded === undefined) {
    loaded = readdirSync(MIGRATIONS_DIR)
      .filter((file) => /^\d{6}\.sql$/.test(file))
      .sort()
      .map((file) => ({
        id: Number.parseInt(file, 10),
        name: file,
        sql: readFileSync(new URL(file, MIGRATIONS_DIR), 'utf8'),
      }));
  }
  return loaded;
}

/** The number of the newest migration this version of Warden ships. */
export function latestMigration(): number {
  return migrations().at(-1)?.id ?? 0;
}

/** A 32-bit hash of `text` (FNV-1a), for the advisory lock key. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

async function currentVersion(driver: Pick<SqlDriver, 'query'>, schema: SchemaNames) {
  try {
    const rows = await driver.query<{ id: number | null }>(
      `SELECT max(id)::int AS id FROM ${schema.quoted}.migrations`,
    );
    return rows[0]?.id ?? 0;
  } catch (error) {
    // 42P01: no such table; 3F000: no such schema. Anything else is a real failure.
    const code = (error as { code?: unknown }).code;
    if (code === '42P01' || code === '3F000') return 0;
    throw error;
  }
}

/**
 * Apply the migrations `driver`'s database lacks in `schema`; returns the names applied. Rejects
 * with `MigrationFailedError` (or `DatabaseUnavailableError` for a connection failure).
 * @internal Used by `PostgresBackend.start()` and {@link migrate}.
 */
export async function runMigrations(
  driver: SqlDriver,
  schema: SchemaNames,
  backendName: string,
): Promise<string[]> {
  const all = migrations();
  const latest = latestMigration();
  const applied: string[] = [];
  let step = 'the version check';
  try {
    let current = await currentVersion(driver, schema);
    if (current > latest) {
      throw new MigrationFailedError(
        schema.name,
        `${String(current).padStart(6, '0')}.sql`,
        `the database is at migration ${current}, newer than this version of Warden knows (${latest}); upgrade Warden`,
      );
    }
    for (const migration of all) {
      if (migration.id <= current) continue;
      step = migration.name;
      const ran = await driver.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1::int, $2::int)', [
          LOCK_CLASS,
          hash32(schema.name),
        ]);
        await tx.exec(
          `CREATE SCHEMA IF NOT EXISTS ${schema.quoted};
           CREATE TABLE IF NOT EXISTS ${schema.quoted}.migrations (
             id integer PRIMARY KEY,
             name text NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now()
           );`,
        );
        // Another process may have applied it while this one waited for the lock.
        if ((await currentVersion(tx, schema)) >= migration.id) return false;
        await tx.exec(migration.sql.replaceAll('{{schema}}', schema.quoted));
        await tx.query(`INSERT INTO ${schema.quoted}.migrations (id, name) VALUES ($1, $2)`, [
          migration.id,
          migration.name,
        ]);
        return true;
      });
      if (ran) applied.push(migration.name);
      current = migration.id;
    }
    return applied;
  } catch (error) {
    if (error instanceof MigrationFailedError) throw error;
    if (isConnectionError(error)) {
      throw new DatabaseUnavailableError(backendName, `migrate schema '${schema.name}'`, error);
    }
    const message = error instanceof Error ? error.message : String(error);
    throw new MigrationFailedError(schema.name, step, message, error);
  }
}

/**
 * Check that `schema` is exactly at this version's migration (for backends with
 * `migrate: false`). Rejects with `MigrationFailedError` naming what to do, or
 * `DatabaseUnavailableError`.
 * @internal
 */
export async function checkMigrated(
  driver: SqlDriver,
  schema: SchemaNames,
  backendName: string,
): Promise<void> {
  let current: number;
  try {
    current = await currentVersion(driver, schema);
  } catch (error) {
    if (isConnectionError(error)) {
      throw new DatabaseUnavailableError(backendName, `check schema '${schema.name}'`, error);
    }
    throw error;
  }
  const latest = latestMigration();
  if (current !== latest) {
    throw new MigrationFailedError(
      schema.name,
      'the version check',
      `the schema is at migration ${current} and this version of Warden needs ${latest}: ` +
        (current < latest ? 'run migrate() (or start with migrate: true)' : 'upgrade Warden'),
    );
  }
}

/**
 * Options for {@link migrate}: where the database is, and which schema.
 *
 * @example
 * ```ts
 * await migrate({ connectionString, schema: 'jobs' });
 * ```
 */
export type MigrateOptions = ConnectionOptions & {
  /**
   * The schema to create or bring up to date: a lowercase identifier.
   * @default 'warden'
   */
  schema?: string;
};

const migrateOptionKeys = optionKeys([...connectionOptionKeys, 'schema']) satisfies OptionKeys<
  keyof MigrateOptions
>;

/**
 * What {@link migrate} did.
 *
 * @example
 * ```ts
 * const { applied, version } = await migrate({ pglite: { dataDir } });
 * ```
 */
export interface MigrateResult {
  /** The migrations applied by this call, e.g. `['000001.sql']` (empty when up to date). */
  readonly applied: readonly string[];
  /** The schema's migration number now. */
  readonly version: number;
}

/**
 * Create the backend's schema, or bring it up to date, without starting a backend: for a deploy
 * step that migrates before the workers start (the future `warden migrate`). `PostgresBackend`
 * does the same at `start()` unless its `migrate` option is `false`.
 *
 * **Invariants.** Each migration is applied at most once, in its own transaction, under an
 * advisory lock: processes migrating at once wait for each other, and a failed migration leaves
 * nothing behind. Rejects with `MigrationFailedError` (also when the database is newer than this
 * code) or `DatabaseUnavailableError`.
 *
 * @example
 * ```ts
 * const { applied } = await migrate({ connectionString: process.env.DATABASE_URL });
 * console.log(applied.length ? `applied ${applied.join(', ')}` : 'up to date');
 * ```
 */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', 'an object', options);
  }
  checkOptionKeys(options, migrateOptionKeys, 'migrate');
  const schema = options.schema ?? 'warden';
  if (typeof schema !== 'string' || !SCHEMA_PATTERN.test(schema)) {
    throw new InvalidArgumentError('options.schema', `a name matching ${SCHEMA_PATTERN}`, schema);
  }
  validateConnection(options, 'migrate');
  const logger = options.logger ?? createConsoleLogger();
  const driver = await openDriver(options, logger, 'migrate');
  try {
    const applied = await runMigrations(driver, schemaNames(schema), 'migrate');
    return { applied, version: latestMigration() };
  } finally {
    await driver.close();
  }
}
