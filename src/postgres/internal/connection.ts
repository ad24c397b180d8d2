// Everything a started Postgres backend holds once connected: the driver (migrated), the write
// buffer, the submitter, the event followers and, unless it is a producer only, the worker; and
// the NOTIFY dispatch between them.

import { DatabaseUnavailableError } from '../../backend/errors.js';
import { CancelReason } from '../../cancel/cancel-reason.js';
import type { Logger } from '../../observe/logger.js';
import { isConnectionError, type SqlDriver } from '../driver.js';
import { checkMigrated, runMigrations } from '../migrate.js';
import type { ConnectionOptions } from '../options.js';
import { reclaimExpired } from '../sql/reclaim-expired.js';
import type { SchemaNames } from '../sql/statement.js';
import { EventFollowers } from './event-followers.js';
import { openDriver } from './open-driver.js';
import { Submitter } from './submitter.js';
import { Worker, type WorkerContext } from './worker.js';
import { WriteBuffer } from './write-buffer.js';

/** A connected backend's parts. */
export interface Connection {
  readonly driver: SqlDriver;
  readonly writes: WriteBuffer;
  readonly submitter: Submitter;
  readonly followers: EventFollowers;
  /** Undefined for a producer (`concurrency: 0`). */
  readonly worker: Worker | undefined;
}

/** What {@link connect} needs besides the worker's context. */
export type ConnectContext = Omit<WorkerContext, 'driver' | 'writes'> & {
  readonly connection: ConnectionOptions;
  readonly schema: SchemaNames;
};

/**
 * Open the driver, migrate (if asked), and wire the parts. Rejects with
 * `DatabaseUnavailableError` or `MigrationFailedError`; closes what it opened on failure.
 */
export async function connect(ctx: ConnectContext): Promise<Connection> {
  const { options, logger, schema } = ctx;
  let driver: SqlDriver;
  try {
    driver = await openDriver(ctx.connection, logger, options.name);
  } catch (error) {
    throw new DatabaseUnavailableError(options.name, 'connect', error);
  }
  try {
    if (options.migrate) await runMigrations(driver, schema, options.name);
    else await checkMigrated(driver, schema, options.name);
    if (driver.exclusive) await reclaimPreviousOwner(driver, schema, logger, options.name);
    let worker: Worker | undefined;
    const writes = new WriteBuffer({
      driver,
      schema,
      workerId: ctx.workerId,
      logger,
      name: options.name,
      completed: (completion, fate) => worker?.completed(completion, fate),
      written: () => worker?.written(),
    });
    const submitter = new Submitter(driver, schema, options.name);
    const followers = new EventFollowers(driver, schema, options.name, options.pollInterval);
    if (options.concurrency > 0) worker = new Worker({ ...ctx, driver, writes });
    await driver.listen(schema.channel, {
      notification: (payload) => dispatch(payload, worker, followers),
      reconnected: () => {
        worker?.reconnected();
        followers.wakeAll();
      },
    });
    return { driver, writes, submitter, followers, worker };
  } catch (error) {
    await driver.close().catch(() => {});
    // Already ours (a migration step that lost the database says what it was doing).
    if (error instanceof DatabaseUnavailableError) throw error;
    if (isConnectionError(error)) {
      throw new DatabaseUnavailableError(options.name, 'connect', error);
    }
    throw error;
  }
}

/**
 * An embedded database opened by this backend alone: the jobs it finds running were held by a
 * previous owner that stopped without handing them back (a crash, a kill). Put them back in the
 * queue now instead of waiting for their leases to run out.
 */
async function reclaimPreviousOwner(
  driver: SqlDriver,
  schema: SchemaNames,
  logger: Logger,
  name: string,
): Promise<void> {
  for (;;) {
    const rows = await driver.query<{ id: string }>(reclaimExpired(schema), [
      RECLAIM_BATCH,
      schema.channel,
      true,
      PREVIOUS_OWNER_GONE,
    ]);
    if (rows.length > 0) {
      logger.warn(
        { backend: name, jobs: rows.map((row) => row.id) },
        `postgres: reclaimed ${rows.length} job(s) the previous owner of the database left running`,
      );
    }
    if (rows.length < RECLAIM_BATCH) return;
  }
}

const RECLAIM_BATCH = 1_000;
const PREVIOUS_OWNER_GONE =
  'was gone when the embedded database was opened again (it stopped without handing its jobs back)';

/** Route one NOTIFY payload: `j<ms>` new jobs, `c{…}` a cancellation, `e<ids>` new events. */
function dispatch(payload: string, worker: Worker | undefined, followers: EventFollowers): void {
  switch (payload.charCodeAt(0)) {
    case 106: // j
      worker?.jobsQueued(Number(payload.slice(1)) || 0);
      return;
    case 99: {
      // c
      if (worker === undefined) return;
      let message: { id?: unknown; attempt?: unknown; reason?: unknown };
      try {
        message = JSON.parse(payload.slice(1));
      } catch {
        return;
      }
      const { id, attempt, reason } = message;
      if (typeof id === 'string' && typeof attempt === 'number' && CancelReason.is(reason)) {
        worker.cancelLocal(id, attempt, { kind: reason.kind, message: reason.message });
      }
      return;
    }
    case 101: // e
      if (followers.active) followers.notify(payload.slice(1).split(','));
      return;
    default:
  }
}
