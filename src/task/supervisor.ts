/**
 * Supervisors: keep long-running children alive with Erlang/OTP's restart strategies.
 *
 * @module
 */

import { CancelReason, type CancelReasonInput } from '../cancel/cancel-reason.js';
import { InvalidArgumentError, SupervisorStoppedError } from '../errors.js';
import { type OptionKeys, optionKeys } from '../internal/option-keys.js';
import { createConsoleLogger } from '../observe/logger.js';
import { SupervisorCore } from './internal/supervisor-core.js';
import {
  resolveChildSpec,
  resolveSupervisorOptions,
  type SupervisorDefaults,
  type SupervisorOptionKeys,
} from './internal/supervisor-options.js';
import type {
  BackoffOptions,
  ChildInfo,
  ChildSpec,
  RestartIntensityOptions,
  RestartStrategy,
  StopReport,
  SupervisorOptions,
  SupervisorStatus,
} from './supervisor-types.js';

export type {
  BackoffOptions,
  ChildInfo,
  ChildSpec,
  ChildStatus,
  RestartIntensityOptions,
  RestartStrategy,
  RestartType,
  StopReport,
  SupervisorOptions,
  SupervisorStatus,
} from './supervisor-types.js';

/**
 * The values every `@default` above stands for, in one place.
 *
 * @example
 * ```ts
 * supervisorDefaults.intensity; // { maxRestarts: 3, periodMs: 5000 }
 * ```
 */
export const supervisorDefaults = {
  name: 'supervisor',
  strategy: 'one-for-one',
  intensity: { maxRestarts: 3, periodMs: 5_000 },
  backoff: { initialMs: 100, maxMs: 10_000, factor: 2, jitter: 0.2 },
  restart: 'permanent',
  shutdownMs: 5_000,
} as const satisfies SupervisorDefaults;

// The keys of every options object a supervisor takes; the nested ones follow their defaults.
const supervisorOptionKeys = {
  options: optionKeys([
    'name',
    'strategy',
    'intensity',
    'backoff',
    'token',
    'logger',
  ]) satisfies OptionKeys<keyof SupervisorOptions>,
  intensity: optionKeys(supervisorDefaults.intensity) satisfies OptionKeys<
    keyof RestartIntensityOptions
  >,
  backoff: optionKeys(supervisorDefaults.backoff, ['resetAfterMs']) satisfies OptionKeys<
    keyof BackoffOptions
  >,
  child: optionKeys(['id', 'start', 'restart', 'shutdownMs']) satisfies OptionKeys<keyof ChildSpec>,
} as const satisfies SupervisorOptionKeys;

/**
 * A supervisor (Erlang/OTP's `supervisor`): starts children, restarts them when they end
 * according to a {@link RestartStrategy} and each child's {@link RestartType}, waits with an
 * exponential backoff between consecutive restarts of the same child, and gives up when there
 * are more than `intensity.maxRestarts` restarts within `intensity.periodMs`.
 *
 * **Giving up** ("escalating to the parent"): the supervisor stops every child in reverse start
 * order, logs at `error` level, and {@link Supervisor.join} rejects with a
 * {@link RestartIntensityError} whose `cause` is the last child failure. It cancels nothing
 * upward by itself: run `join()` as a task of a `'cancel-siblings'` {@link Scope} (or a critical
 * task) and the failure travels up as that task's failure.
 *
 * **Stopping** ({@link Supervisor.stop}, the parent token, `await using`): pending restarts are
 * dropped and children are stopped one at a time in reverse start order, each by cancelling its
 * token and waiting up to its `shutdownMs`. Children's tokens are not linked to the parent token
 * directly, so that a parent's cancellation, too, reaches them one at a time in that order (with
 * the parent's reason).
 *
 * **Invariants.** Restarts and stops are handled one at a time, in the order children ended, as
 * an OTP supervisor handles its mailbox. Every child failure is logged at `warn` level with the
 * child's id and restart count. A child ending while the supervisor stops it is never restarted.
 *
 * **Not guaranteed.** JavaScript cannot kill a function: a child that ignores its token past its
 * `shutdownMs` is reported in {@link StopReport.notFinished}, logged, and left running (it may
 * then overlap with its own restart). Backoff waits are timers and may run late on a busy loop.
 *
 * **Compared with** a `while (true) { try { await work() } catch {} }` loop: failures are never
 * swallowed, restarts are bounded and spaced out, and stopping is ordered and accounted for.
 *
 * @example
 * ```ts
 * const root = new CancelToken();
 * process.once('SIGTERM', () => root.cancel(CancelReason.shutdown('SIGTERM')));
 * const supervisor = new Supervisor({ strategy: 'rest-for-one', token: root }).start([
 *   { id: 'db', start: (token) => keepConnected(token) },
 *   { id: 'consumer', start: (token) => consume(token), shutdownMs: 10_000 },
 * ]);
 * // Resolves once SIGTERM has stopped both (consumer first); rejects with a
 * // RestartIntensityError if the children keep failing and the supervisor gives up.
 * await supervisor.join();
 * ```
 */
export class Supervisor implements AsyncDisposable {
  /** The supervisor's name. */
  readonly name: string;
  /** Its restart strategy. */
  readonly strategy: RestartStrategy;

  readonly #core: SupervisorCore;

  constructor(options: SupervisorOptions = {}) {
    const resolved = resolveSupervisorOptions(options, supervisorDefaults, supervisorOptionKeys);
    this.name = resolved.name;
    this.strategy = resolved.strategy;
    this.#core = new SupervisorCore(resolved, resolved.logger ?? createConsoleLogger());
  }

  /** `running` until stopped; `stopping`, then `stopped` or (after giving up) `failed`. */
  get status(): SupervisorStatus {
    return this.#core.status;
  }

  /**
   * Start `children` in order, after checking all of them: one bad spec (or a duplicate id)
   * throws {@link InvalidArgumentError} and starts none. Throws {@link SupervisorStoppedError}
   * once the supervisor is stopping. Returns the supervisor, for chaining.
   */
  start(children: readonly ChildSpec[] = []): this {
    if (!Array.isArray(children)) {
      throw new InvalidArgumentError('children', 'an array of child specs', children);
    }
    const ids = new Set<string>();
    const specs = children.map((spec, index) => {
      const resolved = resolveChildSpec(spec, `children[${index}]`, supervisorDefaults, {
        keys: supervisorOptionKeys.child,
        context: 'Supervisor.start',
      });
      if (ids.has(resolved.id) || this.#core.has(resolved.id)) {
        throw new InvalidArgumentError(`children[${index}].id`, 'a unique id', resolved.id);
      }
      ids.add(resolved.id);
      return resolved;
    });
    this.#checkRunning();
    for (const spec of specs) this.#core.add(spec);
    return this;
  }

  /** Start one more child, after those already running. Throws as {@link Supervisor.start}. */
  startChild(spec: ChildSpec): void {
    const resolved = resolveChildSpec(spec, 'spec', supervisorDefaults, {
      keys: supervisorOptionKeys.child,
      context: 'Supervisor.startChild',
    });
    if (this.#core.has(resolved.id)) {
      throw new InvalidArgumentError('spec.id', 'a unique id', resolved.id);
    }
    this.#checkRunning();
    this.#core.add(resolved);
  }

  /**
   * Stop one child (cancel its token, wait up to its `shutdownMs`) and remove it, whatever its
   * restart type: it is not restarted. Throws {@link InvalidArgumentError} for an unknown id and
   * {@link SupervisorStoppedError} once the supervisor is stopping.
   */
  stopChild(id: string, reason?: CancelReasonInput): Promise<StopReport> {
    this.#checkRunning();
    const cancelReason = toStopReason(reason, `child '${id}' stopped`);
    const stopped = this.#core.stopChild(id, cancelReason);
    if (stopped === undefined) {
      throw new InvalidArgumentError('id', `the id of a child of supervisor '${this.name}'`, id);
    }
    return stopped;
  }

  /**
   * The current children in start order, with their status, restart count and start time
   * (OTP's `which_children`). A snapshot.
   */
  children(): ChildInfo[] {
    return this.#core.children();
  }

  /**
   * Stop gracefully: drop pending restarts, then stop every child in reverse start order (each
   * token cancelled with `reason`, each waited for up to its `shutdownMs`). Idempotent: later
   * calls (and a stop after giving up) return the same report. Never rejects.
   *
   * @param reason - why, passed to every child's token: a {@link CancelReason}, or a message
   *   (a `requested` reason); without one, a `shutdown` reason.
   *
   * @example
   * ```ts
   * const { stopped, notFinished } = await supervisor.stop();
   * for (const { id, waitedMs } of notFinished) console.warn(`${id} still running after ${waitedMs} ms`);
   * ```
   */
  stop(reason?: CancelReasonInput): Promise<StopReport> {
    const cancelReason = toStopReason(reason, `supervisor '${this.name}' stopped`);
    return this.#core.terminate(cancelReason, undefined);
  }

  /**
   * Wait until the supervisor has stopped. Resolves after a graceful stop (even if some children
   * did not finish); rejects with a {@link RestartIntensityError} once it gave up and stopped.
   */
  join(): Promise<void> {
    return this.#core.done;
  }

  /** {@link Supervisor.stop}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  #checkRunning(): void {
    if (this.#core.stopping) throw new SupervisorStoppedError(this.name);
  }
}

function toStopReason(input: CancelReasonInput, message: string): CancelReason {
  if (input === undefined) return CancelReason.shutdown(message);
  if (typeof input === 'string') return CancelReason.requested(input);
  if (CancelReason.is(input)) return input;
  throw new InvalidArgumentError('reason', 'a CancelReason, a string or undefined', input);
}
