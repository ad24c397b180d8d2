// One run of a task's handler, as every backend sees it: the task it belongs to, the handler it
// was accepted with, its time limit and its number; the handler context it runs with; and, while
// it runs, the Warden `Task` its executor spawned. Each backend extends it with what it stores
// (the in-memory entry, the Postgres job under its lease).

import type { CancelToken } from '../../cancel/cancel-token.js';
import type { Task } from '../../task/task.js';
import type { ResolvedHandler } from '../handler-registry.js';
import type { BackendTask, HandlerContext } from '../task-backend.js';

/** Where an attempt's `ctx.emit` and `ctx.progress` go: its backend, which checks and records. */
export interface AttemptHost<A extends Attempt = Attempt> {
  /** `ctx.emit(type, data)` (unchecked: the host checks). */
  attemptEmitted(attempt: A, type: unknown, data: unknown): void;
  /** `ctx.progress(value)` (unchecked: the host checks). */
  attemptProgressed(attempt: A, value: unknown): void;
}

/** @internal One attempt; fields are for the backends and their executor. */
export class Attempt {
  /** Its running task, spawned by the executor; `null` before it starts and once it ended. */
  task: Task<unknown> | null = null;
  /**
   * Set by a shutdown that hands the attempt back to a durable queue: however the handler ends
   * now, the attempt is not an outcome (it runs again later).
   */
  handingBack = false;

  constructor(
    readonly host: AttemptHost<never>,
    readonly id: string,
    readonly type: string,
    readonly payload: unknown,
    readonly handler: ResolvedHandler,
    /** Its time limit in ms, if any. */
    readonly timeout: number | undefined,
    /** Its number, from 1. */
    readonly attempt: number,
  ) {}

  /** Run the handler with `token`, the task's own. Called by the executor's task, once. */
  invoke(token: CancelToken): unknown {
    const ctx = new AttemptContext(this, token);
    const handler = this.handler;
    if (handler.viaExecutor) {
      const task: BackendTask = { id: this.id, type: this.type, payload: this.payload };
      return (handler.fn as (task: BackendTask, ctx: HandlerContext) => unknown)(task, ctx);
    }
    return (handler.fn as (payload: unknown, ctx: HandlerContext) => unknown)(this.payload, ctx);
  }
}

/**
 * The {@link HandlerContext} of one attempt: one small object per run, with the methods on the
 * prototype (no closures) and the attempt in a private field (not copied by a spread).
 */
class AttemptContext implements HandlerContext {
  readonly id: string;
  readonly type: string;
  readonly token: CancelToken;
  readonly attempt: number;
  readonly #attempt: Attempt;

  constructor(attempt: Attempt, token: CancelToken) {
    this.id = attempt.id;
    this.type = attempt.type;
    this.token = token;
    this.attempt = attempt.attempt;
    this.#attempt = attempt;
  }

  emit(type: string, data?: unknown): void {
    const attempt = this.#attempt;
    (attempt.host as AttemptHost).attemptEmitted(attempt, type, data);
  }

  progress(value: unknown): void {
    const attempt = this.#attempt;
    (attempt.host as AttemptHost).attemptProgressed(attempt, value);
  }
}
