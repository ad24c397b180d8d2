/**
 * Critical tasks: work whose failure takes its parent down (NVIDIA Dynamo's
 * `CriticalTaskExecutionHandle`).
 *
 * @module
 */

import { CancelReason, type CancelReasonInput } from '../cancel/cancel-reason.js';
import { CancelToken } from '../cancel/cancel-token.js';
import { CriticalTaskError, HandleLeakedError, InvalidArgumentError, toError } from '../errors.js';
import { checkOptionKeys, type OptionKeys, optionKeys } from '../internal/option-keys.js';
import { createConsoleLogger, type Logger } from '../observe/logger.js';
import { isCancellation } from './internal/outcome.js';
import { validateFunction } from './internal/validate.js';

/** Options for {@link spawnCritical}. */
export interface CriticalTaskOptions {
  /**
   * Where the failure (and a leaked handle) is logged.
   * @default createConsoleLogger()
   */
  logger?: Logger;
}

const criticalTaskOptionKeys = optionKeys(['logger']) satisfies OptionKeys<
  keyof CriticalTaskOptions
>;

interface CriticalState<T> {
  readonly description: string;
  readonly token: CancelToken;
  readonly result: Promise<T | undefined>;
  finished: boolean;
}

interface LeakRecord {
  readonly description: string;
  readonly site: Error;
  readonly logger: Logger | undefined;
}

// A handle that is collected neither joined nor detached is Rust's "dropped without detach":
// Dynamo panics; JavaScript has no drop, so the collector tells us and we report it loudly.
const leaks = new FinalizationRegistry<LeakRecord>((record) => {
  // Drop the first frame's own "at ", as the message already says "spawned at".
  const site = record.site.stack?.split('\n').slice(2).join('\n').trim().replace(/^at /, '');
  const error = new HandleLeakedError(record.description, site);
  (record.logger ?? createConsoleLogger()).error({ err: error }, error.message);
  process.emitWarning(error);
});

/**
 * The handle of a critical task started with {@link spawnCritical}.
 *
 * It must be either joined or detached: a handle garbage-collected without either is reported as
 * a {@link HandleLeakedError} warning (Dynamo panics on drop).
 */
export class CriticalTaskHandle<T = void> {
  readonly #state: CriticalState<T>;

  /** @internal Made by {@link spawnCritical}. */
  constructor(state: CriticalState<T>) {
    this.#state = state;
  }

  /** The description given at spawn. */
  get description(): string {
    return this.#state.description;
  }

  /** True once the task has ended (and its failure, if any, has cancelled the parent). */
  get isFinished(): boolean {
    return this.#state.finished;
  }

  /** True once the task's own token is cancelled (by {@link cancel} or by the parent). */
  get isCancelled(): boolean {
    return this.#state.token.isCancelled;
  }

  /** The task's own token: a child of the parent token. */
  get token(): CancelToken {
    return this.#state.token;
  }

  /**
   * Stop the task gracefully: cancels its own token only. The parent is not touched unless the
   * task then fails with an error of its own.
   */
  cancel(reason?: CancelReasonInput): void {
    this.#state.token.cancel(reason ?? CancelReason.requested('critical task cancelled'));
  }

  /**
   * Wait for the task. Resolves with its value, or with `undefined` when it stopped by reacting
   * to cancellation (a graceful stop, as Dynamo's `Ok(())`). Rejects with a
   * {@link CriticalTaskError} whose message is `Critical task '<description>' failed: …` (or
   * `… panicked: …` for a non-`Error` throw) and whose `cause` is the original error.
   */
  join(): Promise<T | undefined> {
    leaks.unregister(this.#state);
    return this.#state.result;
  }

  /** Let the task run on without anyone joining it; its failure still cancels the parent. */
  detach(): void {
    leaks.unregister(this.#state);
  }
}

/**
 * Start a critical task: `fn` runs with a child of `parentToken`. If it throws or rejects (other
 * than by reacting to its own cancellation), `parentToken` is cancelled at once with a
 * `parent-failure` reason, whether or not anyone joins the handle, and the failure is logged.
 * `handle.cancel()` stops the task without touching the parent.
 *
 * "Critical" has Dynamo's meaning here; for cleanup that cancellation cannot interrupt (what
 * Effection calls critical), see {@link shield}.
 *
 * @example
 * ```ts
 * const root = new CancelToken();
 * const server = spawnCritical((token) => serve(token), root, 'http-server');
 * const poller = spawnCritical((token) => poll(token), root, 'poller');
 * // if the server fails, `root` is cancelled and the poller stops too
 * await Promise.allSettled([server.join(), poller.join()]);
 * ```
 */
export function spawnCritical<T = void>(
  fn: (token: CancelToken) => T | PromiseLike<T>,
  parentToken: CancelToken,
  description: string,
  options: CriticalTaskOptions = {},
): CriticalTaskHandle<T> {
  validateFunction('fn', fn);
  if (!(parentToken instanceof CancelToken)) {
    throw new InvalidArgumentError('parentToken', 'a CancelToken', parentToken);
  }
  if (typeof description !== 'string' || description.length === 0) {
    throw new InvalidArgumentError('description', 'a non-empty string', description);
  }
  checkOptionKeys(options, criticalTaskOptionKeys, 'spawnCritical');
  const token = parentToken.child();
  const { logger } = options;

  const onRejected = (thrown: unknown): undefined => {
    state.finished = true;
    token.dispose();
    if (token.isCancelled && isCancellation(thrown)) return undefined;
    const error = new CriticalTaskError(description, toError(thrown));
    parentToken.cancel(CancelReason.parentFailure(error, error.message));
    (logger ?? createConsoleLogger()).error({ err: error.cause, task: description }, error.message);
    throw error;
  };
  const onFulfilled = (value: T): T => {
    state.finished = true;
    token.dispose();
    return value;
  };

  let started: Promise<T>;
  try {
    started = Promise.resolve(fn(token));
  } catch (thrown) {
    started = Promise.reject(thrown);
  }
  const result = started.then(onFulfilled, onRejected);
  // The failure is reported by cancelling the parent and logging; an unjoined handle must not
  // also crash the process with an unhandled rejection.
  result.catch(() => {});
  const state: CriticalState<T> = { description, token, result, finished: false };
  const handle = new CriticalTaskHandle<T>(state);
  leaks.register(handle, { description, site: new Error('spawned here'), logger }, state);
  return handle;
}
