// Stop one task: cancel its token, then wait for it to end, but no longer than a deadline.

import type { CancelReason } from '../../cancel/cancel-reason.js';
import type { Task } from '../task.js';
import { settleWithin } from './settle-within.js';

/** How stopping one task went. */
export interface StopResult {
  /** True when the task ended within the deadline. */
  readonly finished: boolean;
  /** How long the wait lasted, in ms. */
  readonly waitedMs: number;
}

/**
 * Cancel `task` with `reason` and wait up to `deadlineMs` for it to end (however it ends).
 * A task that is still running at the deadline is left running: JavaScript cannot kill it.
 */
export async function stopWithDeadline(
  task: Task<unknown>,
  reason: CancelReason,
  deadlineMs: number,
): Promise<StopResult> {
  const started = performance.now();
  task.cancel(reason);
  if (task.status !== 'running') return { finished: true, waitedMs: 0 };
  const finished = await settleWithin(deadlineMs, task.join());
  return { finished, waitedMs: Math.round(performance.now() - started) };
}
