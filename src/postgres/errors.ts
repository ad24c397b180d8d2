/**
 * The errors of the Postgres backend alone (exported from `warden/postgres`). Their codes are in
 * the one registry, `errorCodes` (errors.ts).
 *
 * @module
 */

import { WardenError } from '../errors.js';

/**
 * Bringing a durable backend's schema up to date failed. Each migration runs in its own
 * transaction, so the failed one left nothing behind; those before it stay applied. `migration`
 * names the failed step (or the problem: a database newer than this code), `cause` the error.
 *
 * @example
 * ```ts
 * await migrate({ connectionString }).catch((e) => e.code === 'WARDEN_ERR_MIGRATION_FAILED');
 * ```
 */
export class MigrationFailedError extends WardenError {
  /** The migration that failed, e.g. `000002.sql`, or what was wrong. */
  readonly migration: string;

  constructor(schema: string, migration: string, reason: string, cause?: unknown) {
    super(
      'WARDEN_ERR_MIGRATION_FAILED',
      `Migrating schema '${schema}' failed at ${migration}: ${reason}`,
      { cause },
    );
    this.migration = migration;
  }
}

/**
 * A worker of a durable backend could not renew the lease of a job it was running (the
 * database was unreachable, or the process stalled) before the lease ran out, or found the job
 * taken over by another worker. The job's token is cancelled with a `parent-failure` reason
 * whose `cause` is this error; whatever the handler does next is not recorded, since another
 * worker may already run the job again.
 *
 * @example
 * ```ts
 * ctx.token.reason?.cause instanceof LeaseLostError; // in a handler whose lease was lost
 * ```
 */
export class LeaseLostError extends WardenError {
  /** The job's id. */
  readonly taskId: string;

  constructor(taskId: string, why: string) {
    super('WARDEN_ERR_LEASE_LOST', `Lost the lease of job ${JSON.stringify(taskId)}: ${why}`);
    this.taskId = taskId;
  }
}
