// How an ended attempt is written back: succeeded, failed for good, cancelled, retried after a
// backoff, or released (a shutdown handed it back); and when a failure is not worth retrying.

import { InvalidPayloadError } from '../../backend/errors.js';
import type { AttemptEnd } from '../../backend/internal/executor.js';
import type { CancelReason } from '../../cancel/cancel-reason.js';
import { InvalidArgumentError } from '../../errors.js';
import { backoffDelay } from '../../task/internal/backoff.js';
import type { ResolvedBackoff } from './resolve-options.js';
import type { OutcomeCounter, RunningJob } from './running-job.js';
import { jsonText, serializeError, serializeReason } from './task-row.js';
import type { Completion } from './write-buffer.js';

/** What to count and report about an ended attempt, and what to write. */
export interface Outcome {
  /** What to write; undefined when nothing may be (the lease was lost). */
  readonly completion: Completion | undefined;
  /** The counter it goes to once written ('lost': nothing to write). */
  readonly counter: OutcomeCounter | 'lost';
  /** The failure to report (failed and retried attempts). */
  readonly error?: Error;
}

/**
 * True when retrying `error` cannot help: the handler said so (`retryable: false` on the
 * error) or rejected its input (Warden's `InvalidPayloadError` or `InvalidArgumentError`).
 */
export function isPermanent(error: Error): boolean {
  return (
    (error as { retryable?: unknown }).retryable === false ||
    error instanceof InvalidPayloadError ||
    error instanceof InvalidArgumentError
  );
}

/** Decide how `job`'s attempt, which ended as `end`, is written back. */
export function decideOutcome(job: RunningJob, end: AttemptEnd, backoff: ResolvedBackoff): Outcome {
  if (job.leaseLost) return { completion: undefined, counter: 'lost' };
  if (end.status === 'succeeded') {
    return { completion: terminal(job, 'succeeded', jsonText(end.value)), counter: 'succeeded' };
  }
  if (end.status === 'handed-back') {
    // Handed back by a shutdown, unless somebody cancelled it meanwhile: then it is over.
    if (job.cancelReason === undefined) return { completion: release(job), counter: 'released' };
    return { completion: cancelled(job, job.cancelReason), counter: 'cancelled' };
  }
  if (end.status === 'cancelled') {
    const reason = job.cancelReason ?? end.reason;
    return { completion: cancelled(job, reason), counter: 'cancelled' };
  }
  const error = end.error;
  // A handler that fails on its own while being cancelled has failed (as Task records it), but
  // a job someone cancelled is never retried.
  const entry = { ...serializeError(error), attempt: job.attempt, at: Date.now() };
  const retryable = job.cancelReason === undefined && !isPermanent(error);
  if (retryable && job.attempt < job.maxAttempts) {
    const delayMs = backoffDelay(
      {
        initialMs: backoff.initialDelay,
        maxMs: backoff.maxDelay,
        factor: backoff.factor,
        jitter: backoff.jitter,
      },
      job.attempt,
    );
    return {
      completion: { ...blank(job, 'retry'), error: entry, delayMs },
      counter: 'retried',
      error,
    };
  }
  return {
    completion: { ...blank(job, 'failed'), error: entry, seq: ++job.seq },
    counter: 'failed',
    error,
  };
}

/** A job cancelled before or while running: its terminal `cancelled` event. */
export function cancelled(job: RunningJob, reason: CancelReason): Completion {
  return { ...blank(job, 'cancelled'), reason: serializeReason(reason), seq: ++job.seq };
}

/** A job handed back without counting the attempt, to run again at once. */
export function release(job: RunningJob): Completion {
  return blank(job, 'release');
}

function terminal(job: RunningJob, outcome: 'succeeded', result: string): Completion {
  return { ...blank(job, outcome), result, seq: ++job.seq };
}

function blank(job: RunningJob, outcome: Completion['outcome']): Completion {
  return {
    id: job.id,
    attempt: job.attempt,
    outcome,
    result: null,
    error: null,
    reason: null,
    delayMs: 0,
    seq: 0,
  };
}
