// The worker side of the Postgres backend: claims jobs in batches when it has room and there may
// be work (a NOTIFY, a timer for a scheduled job, the poll), runs each as a Warden `Task`, hands
// the ends to the write buffer, renews its leases, and cancels a job when told to (NOTIFY, or the
// heartbeat as a fallback). Claimed jobs beyond `concurrency` wait here (prefetch); a job's
// `started` event is written when its handler begins, so one that never does shows none.

import type { HandlerRegistry } from '../../backend/handler-registry.js';
import { validateTaskType } from '../../backend/handler-registry.js';
import type { AttemptHost } from '../../backend/internal/attempt.js';
import { type AttemptEnd, Executor } from '../../backend/internal/executor.js';
import type { StragglerInfo } from '../../backend/task-backend.js';
import { RESERVED_EVENT_TYPES } from '../../backend/task-events.js';
import { checkPayload } from '../../backend/validate-payload.js';
import { CancelReason } from '../../cancel/cancel-reason.js';
import type { CancelToken } from '../../cancel/cancel-token.js';
import { InvalidArgumentError } from '../../errors.js';
import type { Logger } from '../../observe/logger.js';
import { isConnectionError, type SqlDriver } from '../driver.js';
import { LeaseLostError } from '../errors.js';
import { claimJobs } from '../sql/claim-jobs.js';
import { nextRunAt } from '../sql/next-run-at.js';
import type { SchemaNames } from '../sql/statement.js';
import { cancelled, decideOutcome, release } from './job-outcome.js';
import { LeaseKeeper } from './lease-keeper.js';
import { Prefetch } from './prefetch.js';
import type { ResolvedPostgresOptions } from './resolve-options.js';
import {
  type ClaimedRow,
  ENDED,
  type OutcomeCounter,
  READY,
  RUNNING,
  RunningJob,
  WRITING,
} from './running-job.js';
import {
  type Completion,
  type CompletionFate,
  MAX_BATCH,
  STARTED,
  type WriteBuffer,
} from './write-buffer.js';

/** Counters a worker keeps (the backend adds its own). */
export interface WorkerCounters {
  claimed: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  retried: number;
  released: number;
  leasesLost: number;
}

/** What a worker needs from its backend. */
export interface WorkerContext {
  readonly driver: SqlDriver;
  readonly schema: SchemaNames;
  readonly options: ResolvedPostgresOptions;
  readonly logger: Logger;
  readonly workerId: string;
  readonly writes: WriteBuffer;
  readonly registry: HandlerRegistry;
  /** The parent of every job's token. */
  readonly token: CancelToken;
  readonly counters: WorkerCounters;
  /** True when an executor runs every type without a handler. */
  hasExecutor(): boolean;
}

/** At most this many jobs per claim statement. */
const MAX_CLAIM = 500;
/**
 * The fewest finished-but-unwritten jobs that stop claims: two statements' worth, so that the
 * jobs finishing while one batch is written never stall the claims by themselves.
 */
const MIN_UNWRITTEN_LIMIT = 2 * MAX_BATCH;
/** Claims a worker may have in flight at once (a second one overlaps the first's round trip). */
const MAX_CLAIMS_IN_FLIGHT = 2;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;
const RESERVED: ReadonlySet<string> = new Set(RESERVED_EVENT_TYPES);
/** Stands in for the handler of a job handed back before it starts. */
const NO_HANDLER = { fn: () => {}, viaExecutor: false } as const;
/** Marks a `ctx.progress` call (the one reserved type a handler may record). */
const PROGRESS: unique symbol = Symbol('progress');

/** See the file comment. */
export class Worker implements AttemptHost<RunningJob> {
  /** Every job this worker holds a lease on: ready, running, or with its outcome being written. */
  private readonly _held = new Map<string, RunningJob>();
  /** Held jobs in phase WRITING. */
  private _writing = 0;
  private readonly _ownCancels = new Map<string, CancelReason>();
  private readonly _ready: RunningJob[] = [];
  private readonly _typeHeld = new Map<string, number>();
  private readonly _claimingTypes = new Set<string>();
  private readonly _prefetch: Prefetch;
  private readonly _leases: LeaseKeeper;
  /** Runs every job's handler, in a scope under the backend's token. */
  private readonly _executor: Executor<RunningJob>;
  private _running = 0;
  private _active = false;
  /** Claims in flight (at most MAX_CLAIMS_IN_FLIGHT), and the jobs they asked for. */
  private readonly _claims = new Set<Promise<void>>();
  private _requested = 0;
  /** There may be due jobs: set by a NOTIFY, a timer or the poll; cleared by a short claim. */
  private _maybeMore = true;
  private _wakeScheduled = false;
  /** Counts wake-ups, so a claim can tell whether one arrived while it was in flight. */
  private _wakeups = 0;
  private _claimBackoff = 0;
  private _pollTimer: NodeJS.Timeout | undefined = undefined;
  private _wakeTimer: NodeJS.Timeout | undefined = undefined;
  private _wakeAt = Number.POSITIVE_INFINITY;
  private _retryTimer: NodeJS.Timeout | undefined = undefined;
  private _idleWaiters: Array<() => void> = [];

  constructor(private readonly _ctx: WorkerContext) {
    this._prefetch = new Prefetch(
      _ctx.options.prefetch,
      _ctx.options.concurrency,
      _ctx.options.leaseTimeout,
    );
    this._executor = new Executor<RunningJob>({
      name: _ctx.options.name,
      token: _ctx.token,
      logger: _ctx.logger,
      onError: _ctx.options.onError,
      ended: (job, end) => this._jobEnded(job, end),
    });
    this._leases = new LeaseKeeper(_ctx, this._held, {
      lose: (job, why) => this._loseLease(job, why),
      cancel: (job, reason) => this._requestCancel(job, reason),
    });
  }

  /** Jobs whose handler runs now. */
  get running(): number {
    return this._running;
  }

  /** Claimed jobs waiting for a slot. */
  get ready(): number {
    return this._ready.length;
  }

  /** Start claiming, polling and renewing leases. */
  start(): void {
    if (this._active || this._ctx.options.concurrency === 0) return;
    this._active = true;
    this._pollTimer = setInterval(() => this._poll(), this._ctx.options.pollInterval);
    this._leases.start();
    this.wake();
  }

  /**
   * There may be work: claim if there is room (up to two claims in flight), on the next turn of
   * the event loop. Deferred so that a chain of claims (PGlite answers without any I/O) always
   * lets timers and batched writes run in between.
   */
  wake(): void {
    if (this._wakeScheduled) return;
    this._wakeScheduled = true;
    setImmediate(() => {
      this._wakeScheduled = false;
      this._claimIfRoom();
    });
  }

  private _claimIfRoom(): void {
    if (!this._active || this._retryTimer !== undefined) return;
    while (this._claims.size < MAX_CLAIMS_IN_FLIGHT && this._maybeMore && this._wantsClaim()) {
      const wakeups = this._wakeups;
      const claim = this._claimOnce().then(
        (full) => {
          this._claimBackoff = 0;
          // A short claim empties the queue, unless a wake-up came in the meantime.
          if (!full && this._wakeups === wakeups) this._maybeMore = false;
        },
        (error: unknown) => this._claimFailed(error),
      );
      this._claims.add(claim);
      void claim.finally(() => {
        this._claims.delete(claim);
        this.wake();
      });
    }
  }

  /** A NOTIFY `j<ms>`: jobs were queued, due in `delayMs`. */
  jobsQueued(delayMs: number): void {
    if (!this._active) return;
    if (delayMs <= 2) {
      this._maybeMore = true;
      this._wakeups++;
      this.wake();
    } else {
      this._armWake(delayMs + 2);
    }
  }

  /** Notifications may have been missed (the LISTEN connection came back). */
  reconnected(): void {
    this._maybeMore = true;
    this._wakeups++;
    this.wake();
  }

  /**
   * Cancel attempt `attempt` of job `id` if this worker holds it; true when it did. `reason` is
   * the stored `{kind, message}`.
   */
  cancelLocal(id: string, attempt: number | undefined, reason: CancelReason): boolean {
    const job = this._held.get(id);
    if (job === undefined || job.phase >= WRITING || job.cancelReason !== undefined) return false;
    if (attempt !== undefined && job.attempt !== attempt) return false;
    this._requestCancel(job, this._ownCancels.get(id) ?? reason);
    return true;
  }

  /**
   * `cancel(id, reason)` was called in this process and its UPDATE is in flight: should its
   * own NOTIFY arrive first, the token gets this full reason (with its `cause`), not the copy
   * that travelled as JSON. Returns the disposer to call once the UPDATE has answered.
   */
  cancelling(id: string, reason: CancelReason): () => void {
    this._ownCancels.set(id, reason);
    return () => {
      if (this._ownCancels.get(id) === reason) this._ownCancels.delete(id);
    };
  }

  /** Stop claiming and polling; resolves once no claim is in flight. */
  async stop(): Promise<void> {
    this._active = false;
    clearInterval(this._pollTimer);
    clearTimeout(this._wakeTimer);
    clearTimeout(this._retryTimer);
    this._retryTimer = undefined;
    await Promise.all(this._claims);
  }

  /** Hand back every prefetched job at once (a shutdown). */
  releaseReady(): StragglerInfo[] {
    const released: StragglerInfo[] = [];
    for (const job of this._ready.splice(0)) {
      this._finish(job, release(job), 'released');
      released.push({ id: job.id, type: job.type, started: false });
    }
    return released;
  }

  /** Resolves once no job is held (every outcome written). Never rejects. */
  idle(): Promise<void> {
    if (this._held.size === 0) return Promise.resolve();
    return new Promise((resolve) => this._idleWaiters.push(resolve));
  }

  /** The running jobs, for a shutdown that must cancel them. */
  runningJobs(): RunningJob[] {
    return [...this._held.values()].filter((job) => job.phase === RUNNING);
  }

  /** Stop renewing leases (the last step of a shutdown). */
  stopLeases(): void {
    this._leases.stop();
  }

  /**
   * A job's handler ended (told by the executor). Its slot is free at once, but the job stays
   * held, its lease renewed, until its outcome is written ({@link completed}).
   */
  private _jobEnded(job: RunningJob, end: AttemptEnd): void {
    this._running--;
    this._prefetch.ran(performance.now() - job.startedAt);
    const outcome = decideOutcome(job, end, this._backoffOf(job.type));
    if (outcome.completion === undefined || outcome.counter === 'lost') this._drop(job);
    else this._finish(job, outcome.completion, outcome.counter);
    if (outcome.error !== undefined) {
      const willRetry = outcome.counter === 'retried';
      this._executor.report(job, outcome.error, { willRetry, maxAttempts: job.maxAttempts });
    }
    this._pump();
    this.wake();
  }

  /** @internal The write buffer's answer for a completion: the job is no longer held. */
  completed(completion: Completion, fate: CompletionFate): void {
    const job = this._held.get(completion.id);
    if (job === undefined || job.phase !== WRITING || job.attempt !== completion.attempt) return;
    const { counters, logger, options } = this._ctx;
    if (fate === 'written' || fate === 'unknown') {
      if (job.counter !== undefined) counters[job.counter]++;
      if (fate === 'unknown') {
        logger.warn(
          { backend: options.name, taskId: job.id, taskType: job.type, attempt: job.attempt },
          `postgres: the outcome of job ${job.id} (attempt ${job.attempt}, ${completion.outcome}) could not be confirmed: it was written before the connection failed, or its lease was lost meanwhile`,
        );
      }
    } else if (fate === 'refused') {
      counters.leasesLost++;
      logger.warn(
        {
          backend: options.name,
          taskId: job.id,
          taskType: job.type,
          attempt: job.attempt,
          outcome: completion.outcome,
        },
        `postgres: the outcome of job ${job.id} (attempt ${job.attempt}, ${completion.outcome}) was refused: its lease was lost before it was written, and another worker runs it again`,
      );
    }
    this._drop(job);
  }

  /** @internal A round of writes ended: there may be room to claim again. */
  written(): void {
    if (this._writing <= this._unwrittenLimit()) this.wake();
  }

  /**
   * How many finished jobs may wait for their outcome to be written before claims stop: as many
   * as the writes commit in a quarter of the lease (measured), and never fewer than
   * {@link MIN_UNWRITTEN_LIMIT}. A worker never finishes work faster than it can record it.
   */
  private _unwrittenLimit(): number {
    const rate = this._ctx.writes.completionRate;
    if (rate === undefined) return MIN_UNWRITTEN_LIMIT;
    return Math.max(MIN_UNWRITTEN_LIMIT, Math.floor((rate * this._ctx.options.leaseTimeout) / 4));
  }

  /** @internal {@link AttemptHost}: `ctx.emit(type, data)`. */
  attemptEmitted(job: RunningJob, type: unknown, data: unknown): void {
    this._record(job, type, data);
  }

  /** @internal {@link AttemptHost}: `ctx.progress(value)`. */
  attemptProgressed(job: RunningJob, value: unknown): void {
    this._record(job, PROGRESS, value);
  }

  /** Check and queue one of a running job's events. */
  private _record(job: RunningJob, type: unknown, data: unknown): void {
    let eventType: string;
    let payload: unknown;
    if (type === PROGRESS) {
      eventType = 'progress';
      payload = { value: data === undefined ? null : data };
    } else {
      validateTaskType('type', type);
      if (RESERVED.has(type)) {
        throw new InvalidArgumentError('type', 'an event type that is not reserved', type);
      }
      eventType = type;
      payload = data === undefined ? null : data;
    }
    checkPayload(payload, this._ctx.options.maxPayloadBytes);
    // After its end (or the loss of its lease) a job's events are not recorded.
    if (job.phase !== RUNNING || job.leaseLost) return;
    this._ctx.writes.addEvent({
      taskId: job.id,
      attempt: job.attempt,
      seq: ++job.seq,
      type: eventType,
      data: JSON.stringify(payload),
      at: Date.now(),
    });
  }

  /** How many jobs this worker may hold ready or running: its slots and its prefetch. */
  private _capacity(): number {
    return this._ctx.options.concurrency + this._prefetch.size;
  }

  /** Room for more claimed jobs (those being written do not take any). */
  private _room(): number {
    return this._capacity() - (this._held.size - this._writing) - this._requested;
  }

  private _wantsClaim(): boolean {
    // Backpressure: record what has run before taking more.
    if (this._writing > this._unwrittenLimit()) return false;
    const room = this._room();
    if (room <= 0) return false;
    // Claim in batches: when half the room is free, or a slot idles with nothing prefetched.
    const idleSlot = this._ready.length === 0 && this._running < this._ctx.options.concurrency;
    return idleSlot || room * 2 >= this._capacity();
  }

  private _claimFailed(error: unknown): void {
    const connection = isConnectionError(error);
    if (connection) {
      this._claimBackoff = Math.min(RETRY_MAX_MS, Math.max(RETRY_MIN_MS, this._claimBackoff * 2));
    }
    const delay = connection ? this._claimBackoff : this._ctx.options.pollInterval;
    this._ctx.logger[connection ? 'warn' : 'error'](
      { err: error, backend: this._ctx.options.name, retryInMs: delay },
      'postgres: claiming jobs failed',
    );
    if (!this._active) return;
    this._retryTimer = setTimeout(() => {
      this._retryTimer = undefined;
      this._maybeMore = true;
      this.wake();
    }, delay);
  }

  /** One round of claims; true when some claim got all it asked for (there may be more). */
  private async _claimOnce(): Promise<boolean> {
    const { registry, options } = this._ctx;
    const executor = this._ctx.hasExecutor();
    const limited: Array<[string, number]> = [];
    for (const [type, settings] of options.types) {
      if (settings.concurrency !== undefined) limited.push([type, settings.concurrency]);
    }
    const room = (): number => this._room();
    const limitedTypes = limited.map(([type]) => type);
    let full = false;
    if (executor) {
      full = await this._claim(null, limitedTypes.length > 0 ? limitedTypes : null, room());
    } else {
      const types = registry.types().filter((type) => !limitedTypes.includes(type));
      if (types.length > 0) full = await this._claim(types, null, room());
    }
    for (const [type, limit] of limited) {
      if (!executor && !registry.has(type)) continue;
      // One claim per capped type at a time, so that two claims in flight cannot both fill it.
      if (this._claimingTypes.has(type)) continue;
      const free = Math.min(limit - (this._typeHeld.get(type) ?? 0), room());
      if (free <= 0) continue;
      this._claimingTypes.add(type);
      try {
        if (await this._claim([type], null, free)) full = true;
      } finally {
        this._claimingTypes.delete(type);
      }
    }
    return full;
  }

  /** Claim up to `room` jobs of `types` (null: any) but `except`; true when it got them all. */
  private async _claim(
    types: string[] | null,
    except: string[] | null,
    room: number,
  ): Promise<boolean> {
    const limit = Math.min(room, MAX_CLAIM);
    if (limit <= 0) return false;
    const { driver, schema, workerId, options } = this._ctx;
    const startedAt = performance.now();
    const leaseUntil = startedAt + options.leaseTimeout;
    this._requested += limit;
    let rows: ClaimedRow[];
    try {
      rows = await driver.query<ClaimedRow>(claimJobs(schema), [
        workerId,
        limit,
        Math.round(options.leaseTimeout),
        types,
        except,
      ]);
    } finally {
      this._requested -= limit;
    }
    this._prefetch.claimed(performance.now() - startedAt);
    for (const row of rows) this._accept(row, leaseUntil);
    this._pump();
    return rows.length === limit;
  }

  private _accept(row: ClaimedRow, leaseUntil: number): void {
    const { registry, options, counters } = this._ctx;
    const handler = registry.resolve(row.type);
    const job = new RunningJob(
      this as AttemptHost<RunningJob>,
      row,
      handler ?? NO_HANDLER,
      options.types.get(row.type)?.timeout,
      leaseUntil,
    );
    counters.claimed++;
    this._held.set(job.id, job);
    this._typeHeld.set(job.type, (this._typeHeld.get(job.type) ?? 0) + 1);
    if (handler === undefined || !this._active) {
      // Its handler went away, or a shutdown began during the claim: hand it back at once.
      this._finish(job, release(job), 'released');
      return;
    }
    this._ready.push(job);
  }

  /** Start prefetched jobs while slots are free. */
  private _pump(): void {
    const concurrency = this._ctx.options.concurrency;
    while (this._running < concurrency && this._ready.length > 0) {
      const job = this._ready.shift() as RunningJob;
      job.phase = RUNNING;
      job.startedAt = performance.now();
      this._running++;
      // Its `started` event, written with its first events or its completion, whichever is first.
      this._ctx.writes.addEvent({
        taskId: job.id,
        attempt: job.attempt,
        seq: ++job.seq,
        type: STARTED,
        data: 'null',
        at: Date.now(),
      });
      this._executor.run(job);
    }
  }

  /** A ready or running job ends here with `completion` to write; held until it is written. */
  private _finish(job: RunningJob, completion: Completion, counter: OutcomeCounter): void {
    this._leaveSlot(job);
    job.phase = WRITING;
    job.counter = counter;
    job.task = null;
    this._writing++;
    this._ctx.writes.addCompletion(completion);
  }

  /** A ready or running job no longer counts against its type's limit. */
  private _leaveSlot(job: RunningJob): void {
    if (job.phase >= WRITING) return;
    const count = (this._typeHeld.get(job.type) ?? 1) - 1;
    if (count === 0) this._typeHeld.delete(job.type);
    else this._typeHeld.set(job.type, count);
  }

  /** Forget a job: its outcome is written (or refused), or there is none to write. */
  private _drop(job: RunningJob): void {
    this._leaveSlot(job);
    if (job.phase === WRITING) this._writing--;
    job.phase = ENDED;
    job.task = null;
    this._held.delete(job.id);
    if (this._held.size === 0 && this._idleWaiters.length > 0) {
      const waiters = this._idleWaiters;
      this._idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  private _requestCancel(job: RunningJob, reason: CancelReason): void {
    if (job.phase >= WRITING || job.cancelReason !== undefined) return;
    job.cancelReason = reason;
    if (job.phase === READY) {
      this._ready.splice(this._ready.indexOf(job), 1);
      this._finish(job, cancelled(job, reason), 'cancelled');
      this.wake();
      return;
    }
    job.task?.cancel(reason);
  }

  private _loseLease(job: RunningJob, why: string): void {
    // A job being written is the write's to settle: the database refuses it if the lease is gone.
    if (job.phase >= WRITING || job.leaseLost) return;
    job.leaseLost = true;
    this._ctx.counters.leasesLost++;
    this._ctx.logger.warn(
      { backend: this._ctx.options.name, taskId: job.id, taskType: job.type, attempt: job.attempt },
      `postgres: lost the lease of job ${job.id}: ${why}`,
    );
    if (job.phase === READY) {
      this._ready.splice(this._ready.indexOf(job), 1);
      this._drop(job);
      this.wake();
      return;
    }
    job.task?.cancel(CancelReason.parentFailure(new LeaseLostError(job.id, why), 'lease lost'));
  }

  private _backoffOf(type: string) {
    return this._ctx.options.types.get(type)?.backoff ?? this._ctx.options.backoff;
  }

  private _armWake(delayMs: number): void {
    const at = performance.now() + delayMs;
    if (at >= this._wakeAt) return;
    clearTimeout(this._wakeTimer);
    this._wakeAt = at;
    this._wakeTimer = setTimeout(() => {
      this._wakeAt = Number.POSITIVE_INFINITY;
      this._maybeMore = true;
      this._wakeups++;
      this.wake();
    }, delayMs);
  }

  /** The polling fallback: look for due jobs, and arm a timer for the next scheduled one. */
  private _poll(): void {
    this._maybeMore = true;
    this.wake();
    if (this._wakeAt !== Number.POSITIVE_INFINITY || this._room() <= 0) return;
    void Promise.all(this._claims).then(() => this._armNextRunAt());
  }

  private async _armNextRunAt(): Promise<void> {
    if (!this._active || this._maybeMore) return;
    const { driver, schema } = this._ctx;
    try {
      const rows = await driver.query<{ delay: number | null }>(nextRunAt(schema));
      const delay = rows[0]?.delay;
      if (delay !== null && delay !== undefined && this._active) this.jobsQueued(delay);
    } catch {
      // The next poll tries again.
    }
  }
}
