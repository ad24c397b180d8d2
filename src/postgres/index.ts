/**
 * `warden/postgres`: the durable task backend on PostgreSQL (`pg`) or PGlite. A separate entry
 * point, so a user of the core installs no database driver.
 *
 * @example
 * ```ts
 * import { PostgresBackend } from 'warden/postgres';
 * const backend = new PostgresBackend({ connectionString: process.env.DATABASE_URL });
 * ```
 *
 * @module
 */

export { DatabaseUnavailableError } from '../backend/errors.js';
export { LeaseLostError, MigrationFailedError } from './errors.js';
export { type MigrateOptions, type MigrateResult, migrate } from './migrate.js';
export {
  type ConnectionOptions,
  type PGliteInstance,
  type PGliteTransactionLike,
  type PostgresBackendOptions,
  postgresBackendDefaults,
  type RetryBackoff,
  type TaskTypeOptions,
} from './options.js';
export { PostgresBackend } from './postgres-backend.js';
export type {
  AttemptError,
  JobKeyMode,
  PostgresBackendStats,
  PostgresHealth,
  PostgresSubmitResult,
  PostgresTaskInfo,
  PostgresTaskSpec,
  RetryTaskOptions,
} from './types.js';
