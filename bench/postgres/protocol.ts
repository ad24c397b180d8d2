// What a queue worker child process and the benchmark parent say to each other, over the
// child's IPC channel, and the child's side of it (`runWorkerChild`, `Reporter`).
//
// Times are `performance.timeOrigin + performance.now()` in milliseconds (see `now()`): on one
// machine this is comparable between processes, and finer than `Date.now()`.

/** Wall-clock milliseconds, comparable across processes on this machine, sub-millisecond. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * The payload of every benchmark job. `t` (the parent's `now()` just before it enqueued the
 * job) is only set on latency probes: the child then reports the handler's start at once.
 */
export interface BenchPayload {
  readonly seq: number;
  readonly t?: number;
}

/** Child → parent. */
export type ChildMessage =
  /** The worker is running and claiming jobs. */
  | { readonly kind: 'ready' }
  /** Handlers completed since the child started (cumulative), and when the latest one ended. */
  | { readonly kind: 'done'; readonly count: number; readonly at: number }
  /** A latency probe's handler started. */
  | { readonly kind: 'start'; readonly seq: number; readonly at: number }
  /** A cancellation probe's handler saw its token fire. */
  | { readonly kind: 'fired'; readonly seq: number; readonly at: number }
  /** The worker failed; the child exits after sending this. */
  | { readonly kind: 'error'; readonly message: string };

/** Parent → child. */
export type ParentMessage = { readonly kind: 'stop' };

/** Reports the child's handler activity to the parent, batching completion counts. */
export class Reporter {
  #count = 0;
  #lastAt = 0;
  #timer: NodeJS.Timeout | undefined;

  /** Call first thing in a handler; reports a latency probe's start immediately. */
  started(payload: BenchPayload): void {
    if (payload.t !== undefined) send({ kind: 'start', seq: payload.seq, at: now() });
  }

  /**
   * Call as a handler ends. Counts are flushed at most every 5 ms; the time reported is the
   * handler's own end, so the flush delay does not bias any measurement.
   */
  done(): void {
    this.#count++;
    this.#lastAt = now();
    this.#timer ??= setTimeout(() => this.flush(), 5);
  }

  /** A cancellation probe's token fired. */
  fired(seq: number): void {
    send({ kind: 'fired', seq, at: now() });
  }

  /** Send the current count now. */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    send({ kind: 'done', count: this.#count, at: this.#lastAt });
  }
}

function send(message: ChildMessage): void {
  process.send?.(message);
}

/**
 * The body of a worker child script: reads its JSON configuration from `argv[2]`, starts the
 * worker with `start(config, reporter)` (which resolves with a stop function once the worker
 * is claiming), says `ready`, and stops and exits when the parent says `stop` or goes away
 * (the IPC channel closes), so a child never outlives the benchmark.
 */
export async function runWorkerChild<C>(
  start: (config: C, reporter: Reporter) => Promise<() => Promise<void>>,
): Promise<void> {
  if (process.send === undefined) throw new Error('run me from the benchmark (no IPC channel)');
  const config = JSON.parse(process.argv[2] ?? '{}') as C;
  const reporter = new Reporter();
  let stop: (() => Promise<void>) | undefined;
  let stopping = false;
  const exit = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => process.exit(code), 5_000);
    timer.unref();
    try {
      await stop?.();
    } finally {
      reporter.flush();
      process.exit(code);
    }
  };
  const fail = (error: unknown): void => {
    send({
      kind: 'error',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    void exit(1);
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  process.on('disconnect', () => void exit(0));
  process.on('message', (message: ParentMessage) => {
    if (message.kind === 'stop') void exit(0);
  });
  try {
    stop = await start(config, reporter);
  } catch (error) {
    fail(error);
    return;
  }
  send({ kind: 'ready' });
}
