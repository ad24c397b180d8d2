// The Postgres backend's shutdown, in two steps. The drain: stop claiming, hand prefetched jobs
// back, let running jobs finish within the timeout, then cancel the rest and hand them back
// without counting the attempt, and finish the writes (bounded, in case the database is down);
// event followers still work. The close: drop what could not be written, end the followers and
// close the connection.

import type { BackendShutdownReport, StragglerInfo } from '../../backend/task-backend.js';
import { CancelReason } from '../../cancel/cancel-reason.js';
import type { CancelToken } from '../../cancel/cancel-token.js';
import type { Logger } from '../../observe/logger.js';
import { settleWithin } from '../../task/internal/settle-within.js';
import type { Connection } from './connection.js';
import { RUNNING } from './running-job.js';
import type { WorkerCounters } from './worker.js';

/** What a drain needs from its backend. */
export interface DrainContext {
  readonly name: string;
  readonly logger: Logger;
  /** The parent of every job's token: cancelled when the drain runs out of time. */
  readonly token: CancelToken;
  readonly counters: WorkerCounters;
}

/** Drain `connection` (undefined: never connected); the report, not yet logged. */
export async function drain(
  ctx: DrainContext,
  connection: Connection | undefined,
  timeout: number,
  grace: number,
): Promise<BackendShutdownReport> {
  const startedAt = performance.now();
  const cancelled: StragglerInfo[] = [];
  const abandoned: StragglerInfo[] = [];
  let drained = true;
  const c = ctx.counters;
  const endedBefore = c.succeeded + c.failed + c.retried + c.cancelled;
  const worker = connection?.worker;
  if (worker !== undefined) {
    // A claim stuck on a dead connection must not hold the shutdown: what it claims late is
    // handed back (or, once closed, left to expire).
    await settleWithin(Math.max(timeout, 1_000), worker.stop());
    cancelled.push(...worker.releaseReady());
    drained = await settleWithin(timeout, worker.idle());
    if (!drained) {
      const running = worker.runningJobs();
      for (const job of running) {
        // Ended by this cancellation, it is handed back rather than recorded as cancelled.
        job.handingBack = true;
        cancelled.push({ id: job.id, type: job.type, started: true });
      }
      ctx.token.cancel(
        CancelReason.shutdown(
          `backend '${ctx.name}' is shutting down and its drain ran out of time (${timeout} ms)`,
        ),
      );
      await settleWithin(grace, worker.idle());
      for (const job of running) {
        if (job.phase !== RUNNING) continue;
        // Still running: nothing more is written for it; its lease expires.
        job.leaseLost = true;
        abandoned.push({ id: job.id, type: job.type, started: true });
      }
    }
    worker.stopLeases();
  }
  if (connection !== undefined) {
    // Every outcome written, so followers (and the coordinator) see how each task ended.
    await settleWithin(
      Math.max(grace, 2_000),
      Promise.all([connection.submitter.idle(), connection.writes.idle()]),
    );
  }
  const completed = c.succeeded + c.failed + c.retried + c.cancelled - endedBefore;
  return {
    completed,
    cancelled,
    abandoned,
    timedOut: !drained,
    durationMs: performance.now() - startedAt,
  };
}

/** Drop the writes still waiting (loudly), end the followers and close the connection. */
export async function close(ctx: DrainContext, connection: Connection): Promise<void> {
  const dropped = connection.writes.close();
  if (dropped > 0) {
    ctx.logger.warn(
      { backend: ctx.name, dropped },
      `postgres: ${dropped} write(s) could not be made before closing; their leases will expire`,
    );
  }
  connection.followers.close();
  await settleWithin(5_000, connection.driver.close());
}
