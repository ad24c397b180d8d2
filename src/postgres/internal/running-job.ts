// One claimed attempt of a job inside a worker: prefetched (waiting for a slot), running (its
// handler is a Warden `Task` owned by this object), or ended. It assigns the seqs of the events
// it writes, so that writes can be retried without duplicates.

import type { ResolvedHandler } from '../../backend/handler-registry.js';
import type { BackendTask, HandlerContext } from '../../backend/task-backend.js';
import type { CancelReason } from '../../cancel/cancel-reason.js';
import type { CancelToken } from '../../cancel/cancel-token.js';
import type { Task, TaskOwner } from '../../task/task.js';

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

/** What a job reports to: the worker. */
export interface JobHost {
  /** The job's task has ended (its status is final). */
  jobEnded(job: RunningJob, task: Task<unknown>): void;
  /** `ctx.emit(type, data)` of the job's handler. */
  jobEmitted(job: RunningJob, type: unknown, data: unknown): void;
}

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
export class RunningJob implements TaskOwner {
  /** `READY`, `RUNNING`, `WRITING` or `ENDED`. */
  phase = READY;
  /** While `WRITING`: the counter its outcome goes to once written. */
  counter: OutcomeCounter | undefined = undefined;
  /** The running handler, once started. */
  task: Task<unknown> | null = null;
  /** The seq of the latest event of this job (written or queued). */
  seq: number;
  /** Set when a cancellation was requested (by `cancel()` anywhere). */
  cancelReason: CancelReason | undefined = undefined;
  /** Set when a shutdown cancelled it: it is handed back, not ended. */
  releasing = false;
  /** Set when its lease was lost: nothing more is written for it. */
  leaseLost = false;
  /** `performance.now()` until which the lease surely holds (from the last renewal's start). */
  leaseUntil: number;
  /** `performance.now()` when its handler started. */
  startedAt = 0;

  readonly id: string;
  readonly type: string;
  readonly payload: unknown;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly timeout: number | undefined;

  constructor(
    readonly host: JobHost,
    row: ClaimedRow,
    readonly handler: ResolvedHandler,
    timeout: number | undefined,
    leaseUntil: number,
  ) {
    this.id = row.id;
    this.type = row.type;
    this.payload = row.payload;
    this.attempt = row.attempts;
    this.maxAttempts = row.max_attempts;
    this.seq = row.last_seq;
    this.timeout = row.timeout_ms ?? timeout;
    this.leaseUntil = leaseUntil;
  }

  /** Run the handler with the task's token. Called by the task, once. */
  invoke(token: CancelToken): unknown {
    const ctx = new JobContext(this, token);
    const handler = this.handler;
    if (handler.viaExecutor) {
      const task: BackendTask = { id: this.id, type: this.type, payload: this.payload };
      return (handler.fn as (task: BackendTask, ctx: HandlerContext) => unknown)(task, ctx);
    }
    return (handler.fn as (payload: unknown, ctx: HandlerContext) => unknown)(this.payload, ctx);
  }

  /** @internal {@link TaskOwner}: the task has ended. */
  taskEnded(task: Task<unknown>): void {
    this.host.jobEnded(this, task);
  }
}

/** The {@link HandlerContext} of one attempt. */
class JobContext implements HandlerContext {
  readonly id: string;
  readonly type: string;
  readonly token: CancelToken;
  readonly attempt: number;
  readonly #job: RunningJob;

  constructor(job: RunningJob, token: CancelToken) {
    this.id = job.id;
    this.type = job.type;
    this.token = token;
    this.attempt = job.attempt;
    this.#job = job;
  }

  emit(type: string, data?: unknown): void {
    const job = this.#job;
    job.host.jobEmitted(job, type, data);
  }

  progress(value: unknown): void {
    const job = this.#job;
    job.host.jobEmitted(job, PROGRESS, value);
  }
}

/** Marks a `progress` call (the one reserved type a handler may record). */
export const PROGRESS: unique symbol = Symbol('progress');
