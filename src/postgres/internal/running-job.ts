// One claimed attempt of a job inside a worker: prefetched (waiting for a slot), running (the
// worker's executor runs its handler), with its outcome being written, or gone. It assigns the
// seqs of the events it writes, so that writes can be retried without duplicates.

import type { ResolvedHandler } from '../../backend/handler-registry.js';
import { Attempt, type AttemptHost } from '../../backend/internal/attempt.js';
import type { CancelReason } from '../../cancel/cancel-reason.js';

/** Claimed, waiting for a free slot. */
export const READY = 0;
/** Its handler is running. */
export const RUNNING = 1;
/** Its handler has ended (or it left before starting); its outcome is being written. */
export const WRITING = 2;
/** Gone from the worker: its outcome is written, refused, or there is none to write. */
export const ENDED = 3;

/** The worker counter a written outcome adds to. */
export type OutcomeCounter = 'succeeded' | 'failed' | 'cancelled' | 'retried' | 'released';

/** A claimed row, as the claim statement returns it. */
export interface ClaimedRow {
  id: string;
  type: string;
  payload: unknown;
  attempts: number;
  max_attempts: number;
  timeout_ms: number | null;
  last_seq: number;
}

/** One claimed attempt. Fields are for the worker's internals. */
export class RunningJob extends Attempt {
  /** `READY`, `RUNNING`, `WRITING` or `ENDED`. */
  phase = READY;
  /** While `WRITING`: the counter its outcome goes to once written. */
  counter: OutcomeCounter | undefined = undefined;
  /** The seq of the latest event of this job (written or queued). */
  seq: number;
  /** Set when a cancellation was requested (by `cancel()` anywhere). */
  cancelReason: CancelReason | undefined = undefined;
  /** Set when its lease was lost: nothing more is written for it. */
  leaseLost = false;
  /** `performance.now()` until which the lease surely holds (from the last renewal's start). */
  leaseUntil: number;
  /** `performance.now()` when its handler started. */
  startedAt = 0;
  readonly maxAttempts: number;

  constructor(
    host: AttemptHost<RunningJob>,
    row: ClaimedRow,
    handler: ResolvedHandler,
    timeout: number | undefined,
    leaseUntil: number,
  ) {
    super(host, row.id, row.type, row.payload, handler, row.timeout_ms ?? timeout, row.attempts);
    this.maxAttempts = row.max_attempts;
    this.seq = row.last_seq;
    this.leaseUntil = leaseUntil;
  }
}
