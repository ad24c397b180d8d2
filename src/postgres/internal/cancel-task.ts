// `cancel(id)` on the Postgres backend: the database decides who cancelled first (one conditional
// UPDATE), so of concurrent calls from any processes exactly one resolves true; a queued job ends
// at once, a running one is told by NOTIFY, and one running in this process has its token
// cancelled with the full reason (its `cause` does not travel by NOTIFY).

import { DatabaseUnavailableError } from '../../backend/errors.js';
import type { CancelReason } from '../../cancel/cancel-reason.js';
import { cancelJob } from '../sql/cancel-job.js';
import type { SchemaNames } from '../sql/statement.js';
import type { Connection } from './connection.js';
import { serializeReason } from './task-row.js';

/** What a cancel needs from its backend. */
export interface CancelContext {
  readonly schema: SchemaNames;
  readonly workerId: string;
  /** Run a query for a caller: a connection failure becomes `DatabaseUnavailableError`. */
  query<R>(what: string, run: () => Promise<R[]>): Promise<R[]>;
  /** A queued job this call cancelled (it counts as this process's). */
  cancelledQueued(): void;
}

/** Cancel job `id` with `reason`; see the file comment. */
export async function cancelTask(
  ctx: CancelContext,
  connection: Connection,
  id: string,
  reason: CancelReason,
): Promise<boolean> {
  const { schema } = ctx;
  let rows: { state: string; locked_by: string | null; attempts: number }[];
  const settled = connection.worker?.cancelling(id, reason);
  try {
    rows = await ctx.query('cancel the task', () =>
      connection.driver.query(cancelJob(schema), [
        id,
        JSON.stringify(serializeReason(reason)),
        schema.channel,
      ]),
    );
  } catch (error) {
    // The database is down: a job running here is still cancelled, and its end is written
    // once the database is back. Any other failure is not a cancellation: it is thrown.
    if (
      error instanceof DatabaseUnavailableError &&
      connection.worker?.cancelLocal(id, undefined, reason) === true
    ) {
      return true;
    }
    throw error;
  } finally {
    settled?.();
  }
  const row = rows[0];
  if (row === undefined) return false;
  if (row.state === 'cancelled') ctx.cancelledQueued();
  else if (row.locked_by === ctx.workerId) connection.worker?.cancelLocal(id, row.attempts, reason);
  return true;
}
