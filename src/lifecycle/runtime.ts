/**
 * The process lifecycle: one root token and root scope, shutdown hooks in phases, signals,
 * fail-fast and crash capture, health.
 *
 * @module
 */

import { CancelReason } from '../cancel/cancel-reason.js';
import { CancelToken } from '../cancel/cancel-token.js';
import {
  InvalidArgumentError,
  ScopeClosedError,
  ShutdownStartedError,
  toError,
} from '../errors.js';
import { checkOptionKeys } from '../internal/option-keys.js';
import type { Logger } from '../observe/logger.js';
import { validateTimeout } from '../task/internal/validate.js';
import { Scope, type SpawnOptions, type TaskFn } from '../task/scope.js';
import type { Task } from '../task/task.js';
import { fatalTitle, formatFatalBanner } from './internal/fatal-banner.js';
import { ProcessListeners } from './internal/process-listeners.js';
import { wrapFailFast } from './internal/wrap-fail-fast.js';
import {
  type FailFastOptions,
  type FatalOptions,
  fatalOptionKeys,
  type RuntimeHealth,
  type RuntimeOptions,
  type RuntimeShutdownOptions,
  type RuntimeState,
  resolveRuntimeOptions,
  type ShutdownHookOptions,
  type ShutdownHookRegistration,
  shutdownHookOptionKeys,
  shutdownOptionKeys,
  validateFailFastOptions,
} from './runtime-options.js';
import { type HookEntry, runPhases, type ShutdownHook } from './shutdown-phases.js';
import {
  buildReport,
  describeUnfinished,
  type FailedTask,
  type FatalFailure,
  logReport,
  type ShutdownPhase,
  type ShutdownReport,
  type UnfinishedTask,
} from './shutdown-report.js';
import { resolveSignals, type SignalHandlerOptions, signalExitCode } from './signals.js';

const PHASES: ReadonlySet<string> = new Set<ShutdownPhase>(['intake', 'drain', 'close']);
type CrashEvent = 'uncaughtException' | 'unhandledRejection';

/**
 * The process lifecycle: a root {@link CancelToken} and a root {@link Scope} for the process,
 * shutdown hooks, a phased shutdown bounded by one deadline, signal handling, fail-fast tasks and
 * crash capture, and health for probes. Use the process-wide one ({@link getDefaultRuntime}) in
 * an application; construct one in a test.
 *
 * **Shutdown.** {@link Runtime.shutdown} runs: (1) readiness fails at once, then an optional
 * delay so load balancers stop sending traffic; (2) `intake` hooks stop new work; (3) the root
 * token is cancelled with a `shutdown` reason, cancelling every task; (4) `drain` hooks and the
 * root scope's tasks are awaited together; (5) `close` hooks release resources. One deadline
 * bounds all five (see {@link SHUTDOWN_BUDGET} for how it is shared); a hook that hangs or throws
 * is reported and the next phase starts anyway. The result is a {@link ShutdownReport}, also
 * logged as one entry. Hooks of one phase run concurrently.
 *
 * **Exit.** `shutdown()` called by a library or a test never exits the process: it returns the
 * report. A signal or a fatal failure calls `exit(code)` once the shutdown ends: 0 when clean,
 * 1 when something did not finish or a fatal failure happened; a second signal exits at once
 * with 128 + its number.
 *
 * **Root scope.** Its policy is `'isolate'`: a task spawned with {@link Runtime.spawn} that
 * fails is logged and the others go on. Work whose failure must take the process down is
 * spawned with {@link Runtime.failFast}.
 *
 * **Not guaranteed.** A task that ignores its token is not stopped: it is reported as unfinished
 * and the process exits around it. Code that blocks the event loop delays every timer, the
 * deadline's too.
 *
 * @example
 * ```ts
 * const runtime = getDefaultRuntime();
 * runtime.install(); // SIGTERM/SIGINT → graceful shutdown; unhandled errors → fatal path
 * runtime.onShutdown('http', () => void server.close(), { phase: 'intake' });
 * runtime.onShutdown('db', () => pool.end());
 * runtime.failFast((token) => consumeQueue(token), { name: 'queue-consumer' });
 * ```
 */
export class Runtime implements AsyncDisposable {
  /** The runtime's name, in logs and reports. */
  readonly name: string;
  /** The root token: cancelled (reason `shutdown`) in phase 3 of a shutdown. */
  readonly token: CancelToken;
  /** The root scope (policy `'isolate'`), a child of {@link Runtime.token}. */
  readonly scope: Scope;
  /** Where the runtime logs. */
  readonly logger: Logger;
  /** The default deadline of a shutdown, in milliseconds. */
  readonly deadlineMs: number;
  /** How long a shutdown waits, not ready, before it stops intake. */
  readonly readinessDelayMs: number;

  private readonly _exit: (code: number) => void;
  private readonly _stderr: { write(text: string): unknown };
  private readonly _maxReportedTasks: number;
  private readonly _signals = new ProcessListeners<NodeJS.Signals>();
  private readonly _crash = new ProcessListeners<CrashEvent>();
  private readonly _failFastTasks = new WeakSet<Task<unknown>>();
  private readonly _reportedFatal = new WeakSet<object>();
  private readonly _startedPhases = new Set<ShutdownPhase>();
  private _state: RuntimeState = 'running';
  private _hooks: HookEntry[] = [];
  private _failedTasks: FailedTask[] = [];
  private _fatal: FatalFailure | undefined = undefined;
  private _shutdown: Promise<ShutdownReport> | undefined = undefined;
  private _signalsReceived = 0;
  private _exitPlanned = false;
  private _exited = false;

  constructor(options: RuntimeOptions = {}) {
    const resolved = resolveRuntimeOptions(options);
    this.name = resolved.name;
    this.logger = resolved.logger;
    this.deadlineMs = resolved.deadlineMs;
    this.readinessDelayMs = resolved.readinessDelayMs;
    this._exit = resolved.exit;
    this._stderr = resolved.stderr;
    this._maxReportedTasks = resolved.maxReportedTasks;
    this.token = new CancelToken();
    this.scope = new Scope({
      name: this.name,
      policy: 'isolate',
      token: this.token,
      logger: this.logger,
      recordSpawnSites: resolved.recordSpawnSites,
      onError: (error, task) => this._taskFailed(error, task),
    });
  }

  /** `running`, `draining` or `stopped`. */
  get state(): RuntimeState {
    return this._state;
  }

  /**
   * Liveness and readiness, for health probes: `ready` fails the moment a shutdown begins,
   * `live` after a fatal failure or once stopped.
   *
   * @example
   * ```ts
   * if (req.url === '/readyz') res.writeHead(runtime.health().ready ? 200 : 503).end();
   * ```
   */
  health(): RuntimeHealth {
    return {
      live: this._fatal === undefined && this._state !== 'stopped',
      ready: this._state === 'running',
      state: this._state,
    };
  }

  /**
   * Spawn a task in the root scope: cancelled in phase 3 of a shutdown and awaited in phase 4.
   * Its failure is logged, not fatal (see {@link Runtime.failFast}). While draining, a task can
   * still be spawned (for cleanup work); after phase 3 it starts cancelled. Throws
   * {@link ScopeClosedError} once the runtime has stopped.
   *
   * @example
   * ```ts
   * runtime.spawn((token) => pollInbox(token), 'inbox-poller');
   * ```
   */
  spawn<T>(fn: TaskFn<T>, options?: SpawnOptions | string): Task<T> {
    if (this._state === 'stopped') throw new ScopeClosedError(this.scope.name);
    return this.scope.spawn(fn, options);
  }

  /**
   * Spawn a fail-fast background task: if it fails (other than by reacting to its
   * cancellation), the FATAL banner is written to stderr, a graceful shutdown cancels and drains
   * every other task within the deadline, and the process exits with code 1 so its supervisor
   * restarts it. Cancellation is never fatal.
   *
   * @example
   * ```ts
   * runtime.failFast(async (token) => { while (true) await processBatch(token); }, { name: 'worker' });
   * ```
   */
  failFast<T>(fn: TaskFn<T>, options: FailFastOptions): Task<T> {
    if (typeof fn !== 'function') throw new InvalidArgumentError('fn', 'a function', fn);
    const name = validateFailFastOptions(options, 'Runtime.failFast');
    // Run `fn` through an async function so even a synchronous throw settles after the task is
    // marked fail-fast below.
    const task = this.spawn(async (token) => fn(token), { name });
    this._failFastTasks.add(task as Task<unknown>);
    return task;
  }

  /**
   * Wrap a function so its failure is fatal (the fail-fast decorator): a throw or rejection that is
   * not a cancellation starts the fatal path, and the returned promise still rejects with it.
   * The call is not a task of the runtime; use {@link Runtime.failFast} for background work.
   *
   * @example
   * ```ts
   * const reconcile = runtime.failFastFn(async () => { await reconcileState(); }, { name: 'reconcile' });
   * await reconcile();
   * ```
   */
  failFastFn<A extends unknown[], R, This = unknown>(
    fn: (this: This, ...args: A) => R,
    options: FailFastOptions,
  ): (this: This, ...args: A) => Promise<Awaited<R>> {
    if (typeof fn !== 'function') throw new InvalidArgumentError('fn', 'a function', fn);
    const name = validateFailFastOptions(options, 'Runtime.failFastFn');
    return wrapFailFast(fn, (error) => void this.fatal(error, { source: 'function', name }));
  }

  /**
   * Add a shutdown hook. `fn` gets `{ reason, signal, deadline }`; `signal` aborts when its
   * phase's budget runs out. Throws {@link ShutdownStartedError} if the hook's phase has already
   * begun. Returns a registration that removes the hook.
   *
   * @example
   * ```ts
   * // 'close' may fire during intake (no connection open): make its promise before close().
   * const closed = new Promise<void>((resolve) => server.once('close', resolve));
   * runtime.onShutdown('stop-listening', () => void server.close(), { phase: 'intake' });
   * runtime.onShutdown('requests', () => closed, { phase: 'drain' });
   * runtime.onShutdown('db', () => pool.end());
   * ```
   */
  onShutdown(
    name: string,
    fn: ShutdownHook,
    options: ShutdownHookOptions = {},
  ): ShutdownHookRegistration {
    if (typeof name !== 'string' || name.length === 0) {
      throw new InvalidArgumentError('name', 'a non-empty string', name);
    }
    if (typeof fn !== 'function') throw new InvalidArgumentError('fn', 'a function', fn);
    checkOptionKeys(options, shutdownHookOptionKeys, 'Runtime.onShutdown');
    const phase = options.phase ?? 'close';
    if (!PHASES.has(phase)) {
      throw new InvalidArgumentError('options.phase', "'intake', 'drain' or 'close'", phase);
    }
    if (this._state === 'stopped' || this._startedPhases.has(phase)) {
      throw new ShutdownStartedError(this.name, name, phase);
    }
    const entry: HookEntry = { name, phase, fn };
    this._hooks.push(entry);
    const remove = (): void => {
      const index = this._hooks.indexOf(entry);
      if (index !== -1) this._hooks.splice(index, 1);
    };
    return { dispose: remove, [Symbol.dispose]: remove };
  }

  /**
   * Shut down in phases within the deadline and resolve with the report (also logged). Never
   * rejects. Idempotent: every call returns the same promise, whatever its options. Does not
   * exit the process; the signal and fatal paths do, after it. A string reason becomes
   * `CancelReason.shutdown(reason)`; a {@link CancelReason} is used as given.
   *
   * @example
   * ```ts
   * const report = await runtime.shutdown({ reason: 'tests done', deadlineMs: 2_000 });
   * if (report.outcome !== 'clean') console.error(report.unfinishedTasks);
   * ```
   */
  shutdown(options: RuntimeShutdownOptions = {}): Promise<ShutdownReport> {
    if (this._shutdown !== undefined) return this._shutdown;
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError('options', 'an object', options);
    }
    checkOptionKeys(options, shutdownOptionKeys, 'Runtime.shutdown');
    const { reason = 'shutdown requested', deadlineMs = this.deadlineMs } = options;
    validateTimeout('options.deadlineMs', deadlineMs);
    if (typeof reason !== 'string' && !CancelReason.is(reason)) {
      throw new InvalidArgumentError('options.reason', 'a CancelReason or a string', reason);
    }
    const resolved = typeof reason === 'string' ? CancelReason.shutdown(reason) : reason;
    this._state = 'draining';
    this._shutdown = this._runShutdown(resolved, deadlineMs);
    return this._shutdown;
  }

  /**
   * Handle `signals` (default SIGTERM and SIGINT): the first starts a graceful shutdown (or joins
   * the one under way) and exits with the report's code when it ends; a second exits at once
   * with 128 + its number (SIGINT 130, SIGTERM 143). Installing again adds no second handler.
   * Returns a function that removes this runtime's handlers for these signals. A signal not in
   * the list keeps Node's default behaviour.
   *
   * @example
   * ```ts
   * const uninstall = runtime.installSignalHandlers({ signals: ['SIGTERM'] });
   * ```
   */
  installSignalHandlers(options: SignalHandlerOptions = {}): () => void {
    const signals = resolveSignals(options, 'Runtime.installSignalHandlers');
    return this._signals.install(signals, (signal) => () => this._onSignal(signal));
  }

  /**
   * Send `uncaughtException` and `unhandledRejection` down the fatal path ({@link Runtime.fatal}):
   * banner, graceful drain, exit 1. Idempotent; returns a function that removes the handlers.
   *
   * @example
   * ```ts
   * runtime.installCrashHandlers();
   * void Promise.reject(new Error('nobody awaits me')); // FATAL banner, drain, exit 1
   * ```
   */
  installCrashHandlers(): () => void {
    return this._crash.install(['uncaughtException', 'unhandledRejection'], (event) => {
      return (error: unknown) => void this.fatal(error, { source: event });
    });
  }

  /**
   * {@link Runtime.installSignalHandlers} and {@link Runtime.installCrashHandlers} at once;
   * returns a function that removes both.
   *
   * @example
   * ```ts
   * getDefaultRuntime().install();
   * ```
   */
  install(options: SignalHandlerOptions = {}): () => void {
    // Checked here too, so that a typo is reported as given to `install`.
    resolveSignals(options, 'Runtime.install');
    const removeSignals = this.installSignalHandlers(options);
    const removeCrash = this.installCrashHandlers();
    return () => {
      removeSignals();
      removeCrash();
    };
  }

  /**
   * Take the fatal path for `error`: write the FATAL banner to stderr, log it, shut down
   * gracefully within the deadline (joining a shutdown already under way), then exit with code 1.
   * The same error reported twice prints one banner. Resolves with the report just before exit.
   *
   * @example
   * ```ts
   * watchdog.on('stalled', (error) => runtime.fatal(error, { name: 'event loop stalled' }));
   * ```
   */
  fatal(error: unknown, options: FatalOptions = {}): Promise<ShutdownReport> {
    checkOptionKeys(options, fatalOptionKeys, 'Runtime.fatal');
    const err = toError(error);
    const { source = 'manual', name } = options;
    const key = typeof error === 'object' && error !== null ? error : err;
    if (!this._reportedFatal.has(key)) {
      this._reportedFatal.add(key);
      this._fatal ??= name === undefined ? { source, error: err } : { source, name, error: err };
      try {
        this._stderr.write(formatFatalBanner(source, name, err, this.deadlineMs));
        this._log('error', { event: 'fatal', err, source, name }, fatalTitle(source, name));
      } catch {
        // Reporting must not throw on the way down.
      }
    }
    const title = fatalTitle(source, name).replace(/^FATAL: /, '');
    return this._shutdownAndExit(CancelReason.shutdown(`fatal failure: ${title}`));
  }

  /** Same as {@link Runtime.shutdown} with no options, for `await using runtime = …`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  private async _runShutdown(reason: CancelReason, deadlineMs: number): Promise<ShutdownReport> {
    const startedAt = Date.now();
    const start = performance.now();
    this._log(
      'info',
      {
        event: 'shutdown-started',
        reason: { kind: reason.kind, message: reason.message },
        deadlineMs,
      },
      `shutdown started (${reason.message}); deadline ${deadlineMs} ms`,
    );
    const results = await runPhases({
      reason,
      deadlineMs,
      readinessDelayMs: this.readinessDelayMs,
      enterPhase: (phase) => {
        this._startedPhases.add(phase);
        return this._hooks.filter((hook) => hook.phase === phase);
      },
      cancelTasks: () => this.token.cancel(reason),
      drainTasks: () => this.scope.close(),
      unfinishedTasks: () => this._unfinished(),
    });
    const report = buildReport({
      runtime: this.name,
      reason,
      startedAt,
      durationMs: performance.now() - start,
      deadlineMs,
      results,
      failedTasks: this._failedTasks,
      fatal: this._fatal,
    });
    // Drop every reference the shutdown no longer needs: hooks and failure records.
    this._state = 'stopped';
    this._hooks = [];
    this._failedTasks = [];
    try {
      logReport(this.logger, report);
    } catch {
      // A broken logger must not turn a finished shutdown into a hang.
    }
    return report;
  }

  private _shutdownAndExit(reason: CancelReason): Promise<ShutdownReport> {
    const done = this.shutdown({ reason });
    if (!this._exitPlanned) {
      this._exitPlanned = true;
      void done.then(
        (report) => this._exitOnce(this._fatal !== undefined ? 1 : report.exitCode),
        // Not expected (a shutdown never rejects), but a signal must never leave the process up.
        () => this._exitOnce(1),
      );
    }
    return done;
  }

  private _onSignal(signal: NodeJS.Signals): void {
    this._signalsReceived++;
    if (this._signalsReceived === 1) {
      this._log('warn', { event: 'signal', signal }, `received ${signal}: shutting down`);
      void this._shutdownAndExit(CancelReason.shutdown(`received ${signal}`));
      return;
    }
    const code = signalExitCode(signal);
    const unfinished = this._unfinished();
    this._log(
      'error',
      {
        event: 'forced-exit',
        signal,
        exitCode: code,
        unfinishedTaskCount: unfinished.count,
        unfinishedTasks: unfinished.tasks,
      },
      `received ${signal} again while shutting down: exiting at once with code ${code}`,
    );
    this._exitOnce(code);
  }

  private _taskFailed(error: Error, task: Task<unknown>): void {
    if (this._state === 'draining') this._failedTasks.push({ id: task.id, name: task.name, error });
    if (this._failFastTasks.has(task)) {
      void this.fatal(error, { source: 'task', name: task.name });
      return;
    }
    this._log(
      'error',
      { err: error, task: task.name, taskId: task.id },
      `task '${task.name}' failed`,
    );
  }

  private _unfinished(): { tasks: UnfinishedTask[]; count: number } {
    const at = Date.now();
    const running = this.scope.running().reverse();
    const tasks = running.slice(0, this._maxReportedTasks).map((t) => describeUnfinished(t, at));
    return { tasks, count: running.length };
  }

  private _exitOnce(code: number): void {
    if (this._exited) return;
    this._exited = true;
    this._exit(code);
  }

  private _log(
    level: 'info' | 'warn' | 'error',
    fields: Record<string, unknown>,
    msg?: string,
  ): void {
    try {
      this.logger[level]({ runtime: this.name, ...fields }, msg ?? String(fields.event));
    } catch {
      // Logging is best effort during a shutdown.
    }
  }
}
