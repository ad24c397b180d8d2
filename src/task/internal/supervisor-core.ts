// The mechanics behind the public Supervisor: the child list, the restart decisions (serialised
// through one queue, as an OTP supervisor handles its mailbox), backoff scheduling and stopping.

import { CancelReason } from '../../cancel/cancel-reason.js';
import { CancelToken } from '../../cancel/cancel-token.js';
import { RestartIntensityError } from '../../errors.js';
import type { Logger } from '../../observe/logger.js';
import { Scope } from '../scope.js';
import type {
  ChildInfo,
  RestartStrategy,
  StopReport,
  SupervisorStatus,
} from '../supervisor-types.js';
import type { Task } from '../task.js';
import { sleep } from '../timeouts.js';
import { backoffDelay } from './backoff.js';
import { RestartIntensity } from './restart-intensity.js';
import { stopWithDeadline } from './stop-with-deadline.js';
import type { ResolvedChildSpec, ResolvedSupervisorOptions } from './supervisor-options.js';

interface Child {
  readonly spec: ResolvedChildSpec;
  /** The current run, also while it is being stopped; `undefined` between runs. */
  task: Task<unknown> | undefined;
  /** A scheduled restart this child is part of; cancelled when superseded or stopped. */
  pending: CancelToken | undefined;
  stopping: boolean;
  removed: boolean;
  restarts: number;
  /** Consecutive restarts caused by this child ending, for its backoff. */
  consecutive: number;
  startedAt: number | undefined;
  startedMono: number;
}

/** A child that did not end within its `shutdownMs`. */
type Straggler = { readonly id: string; readonly waitedMs: number };

/** The state and logic of one supervisor. @internal */
export class SupervisorCore {
  private readonly _name: string;
  private readonly _strategy: RestartStrategy;
  private readonly _options: ResolvedSupervisorOptions;
  private readonly _logger: Logger;
  private readonly _intensity: RestartIntensity;
  private readonly _scope: Scope;
  private readonly _pendingRoot = new CancelToken();
  private readonly _children: Child[] = [];
  private _queue: Promise<void> = Promise.resolve();
  private _status: SupervisorStatus = 'running';
  private _lastFailure: Error | undefined = undefined;
  private _stopped: Promise<StopReport> | undefined = undefined;
  private _settleDone: (failure: Error | undefined) => void = () => {};
  private _parentRegistration: Disposable | undefined = undefined;
  /** Settles once stopped: resolves after a graceful stop, rejects after giving up. */
  readonly done: Promise<void>;

  constructor(options: ResolvedSupervisorOptions, logger: Logger) {
    this._name = options.name;
    this._strategy = options.strategy;
    this._options = options;
    this._logger = logger;
    this._intensity = new RestartIntensity(options.maxRestarts, options.periodMs);
    // 'isolate': a child failure is the supervisor's to handle (logged in _ended), not the scope's.
    this._scope = new Scope({ name: this._name, policy: 'isolate', onError: () => {} });
    this.done = new Promise<void>((resolve, reject) => {
      this._settleDone = (failure) => (failure === undefined ? resolve() : reject(failure));
    });
    // Nobody may join; giving up is logged, so the rejection must not also crash the process.
    this.done.catch(() => {});
    if (options.token !== undefined) {
      this._parentRegistration = options.token.onCancel((reason) => {
        void this.terminate(reason, undefined);
      });
    }
  }

  get status(): SupervisorStatus {
    return this._status;
  }

  /** True once stopping has begun (by stop, the parent token or giving up). */
  get stopping(): boolean {
    return this._stopped !== undefined;
  }

  /** True when a current child has this id. */
  has(id: string): boolean {
    return this._children.some((child) => child.spec.id === id);
  }

  /** Stop one current child and remove it, so it is not restarted; `undefined` for an unknown id. */
  stopChild(id: string, reason: CancelReason): Promise<StopReport> | undefined {
    const child = this._children.find((c) => c.spec.id === id);
    if (child === undefined) return undefined;
    this._remove(child);
    return this._stopOne(child, reason).then((straggler) => ({
      stopped: straggler === undefined ? [id] : [],
      notFinished: straggler === undefined ? [] : [straggler],
    }));
  }

  /** The current children in start order, with their status. */
  children(): ChildInfo[] {
    return this._children.map((child) => {
      const running = child.task?.status === 'running';
      return {
        id: child.spec.id,
        status: child.stopping ? 'stopping' : running ? 'running' : 'restarting',
        restarts: child.restarts,
        startedAt: running ? child.startedAt : undefined,
      };
    });
  }

  /** Add a child (already checked) at the end and start it. */
  add(spec: ResolvedChildSpec): void {
    const child: Child = {
      spec,
      task: undefined,
      pending: undefined,
      stopping: false,
      removed: false,
      restarts: 0,
      consecutive: 0,
      startedAt: undefined,
      startedMono: 0,
    };
    this._children.push(child);
    this._spawn(child);
  }

  private _remove(child: Child): void {
    const index = this._children.indexOf(child);
    if (index !== -1) this._children.splice(index, 1);
    child.removed = true;
    this._dropPending(child);
  }

  private _spawn(child: Child): void {
    child.startedAt = Date.now();
    child.startedMono = performance.now();
    const task = this._scope.spawn(child.spec.start, `${this._name}/${child.spec.id}`);
    child.task = task;
    const ended = (): void => this._ended(child, task);
    task.join().then(ended, ended);
  }

  // Runs when any run of a child ends, however it ends and whoever ended it.
  private _ended(child: Child, task: Task<unknown>): void {
    if (task.status === 'failed') {
      this._lastFailure = task.error;
      this._logger.warn(
        {
          err: task.error,
          supervisor: this._name,
          child: child.spec.id,
          restarts: child.restarts,
        },
        `child '${child.spec.id}' of supervisor '${this._name}' failed`,
      );
    }
    if (child.task !== task || child.stopping || child.removed || this._stopped !== undefined) {
      return; // stopped on purpose, or by a stop that is under way
    }
    this._enqueue(() => this._handleEnd(child, task));
  }

  // One child ended on its own: decide whether to restart it and which others go with it.
  private async _handleEnd(child: Child, task: Task<unknown>): Promise<void> {
    if (this._stopped !== undefined || child.task !== task || child.removed) return;
    child.task = undefined;
    const { restart } = child.spec;
    const outcome = task.status;
    if (restart === 'temporary' || (restart === 'transient' && outcome !== 'failed')) {
      this._remove(child);
      this._logger.debug(
        { supervisor: this._name, child: child.spec.id, outcome },
        `child '${child.spec.id}' ended (${outcome}); not restarted (${restart})`,
      );
      return;
    }
    if (performance.now() - child.startedMono >= this._options.resetAfterMs) child.consecutive = 0;
    child.consecutive++;
    if (!this._intensity.record()) {
      const cause = outcome === 'failed' ? task.error : this._lastFailure;
      this._giveUp(cause);
      return;
    }
    const group = this._restartGroup(child);
    const reason =
      outcome === 'failed'
        ? CancelReason.parentFailure(task.error, `restarting with child '${child.spec.id}'`)
        : CancelReason.requested(`restarting with child '${child.spec.id}'`);
    for (let i = group.length - 1; i >= 0; i--) {
      const other = group[i] as Child;
      if (other === child) continue;
      this._dropPending(other);
      if (other.task !== undefined) await this._stopOne(other, reason);
      if (this._stopped !== undefined) return;
    }
    const delay = backoffDelay(this._options.backoff, child.consecutive);
    this._schedule(group, delay);
  }

  private _restartGroup(child: Child): Child[] {
    switch (this._strategy) {
      case 'one-for-one':
        return [child];
      case 'one-for-all':
        return [...this._children];
      case 'rest-for-one':
        return this._children.slice(this._children.indexOf(child));
    }
  }

  // Start `group` again, in order, after `delay` ms, unless superseded or stopped meanwhile.
  private _schedule(group: Child[], delay: number): void {
    const pending = this._pendingRoot.child();
    for (const child of group) child.pending = pending;
    const start = (): void => {
      if (this._stopped !== undefined) return;
      for (const child of group) {
        if (child.pending !== pending || child.removed) continue;
        child.pending = undefined;
        child.restarts++;
        this._spawn(child);
      }
    };
    sleep(delay, pending).then(
      () => {
        pending.dispose();
        this._enqueue(start);
      },
      () => {}, // superseded by a wider restart, or the supervisor stopped
    );
  }

  private _dropPending(child: Child): void {
    if (child.pending !== undefined) {
      child.pending.cancel(CancelReason.requested('restart superseded'));
      child.pending = undefined;
    }
  }

  // Cancel a child's current run and wait up to its shutdownMs; returns the straggler, if any.
  private async _stopOne(child: Child, reason: CancelReason): Promise<Straggler | undefined> {
    const task = child.task;
    if (task === undefined) return undefined;
    child.stopping = true;
    const result = await stopWithDeadline(task, reason, child.spec.shutdownMs);
    child.stopping = false;
    if (child.task === task) {
      child.task = undefined;
      child.startedAt = undefined;
    }
    if (result.finished) return undefined;
    this._logger.error(
      { supervisor: this._name, child: child.spec.id, waitedMs: result.waitedMs },
      `child '${child.spec.id}' did not stop within ${child.spec.shutdownMs} ms; left running`,
    );
    return { id: child.spec.id, waitedMs: result.waitedMs };
  }

  private _giveUp(cause: unknown): void {
    const { maxRestarts, periodMs } = this._options;
    const error = new RestartIntensityError(this._name, maxRestarts, periodMs, cause);
    this._logger.error({ err: error, supervisor: this._name }, error.message);
    void this.terminate(CancelReason.parentFailure(error, error.message), error);
  }

  /**
   * Begin stopping (once): after whatever is being handled now, stop every child in reverse start
   * order. `failure` set means giving up: `done` then rejects with it.
   */
  terminate(reason: CancelReason, failure: Error | undefined): Promise<StopReport> {
    if (this._stopped !== undefined) return this._stopped;
    this._status = 'stopping';
    this._parentRegistration?.[Symbol.dispose]();
    this._parentRegistration = undefined;
    this._pendingRoot.cancel(reason);
    const stopped = new Promise<StopReport>((resolve) => {
      this._enqueue(async () => {
        const report = await this._stopAll(reason);
        this._status = failure === undefined ? 'stopped' : 'failed';
        resolve(report);
        this._settleDone(failure);
      });
    });
    this._stopped = stopped;
    return stopped;
  }

  private async _stopAll(reason: CancelReason): Promise<StopReport> {
    const report: StopReport = { stopped: [], notFinished: [] };
    const children = this._children.splice(0).reverse();
    for (const child of children) {
      child.removed = true;
      child.pending = undefined;
      const straggler = await this._stopOne(child, reason);
      if (straggler === undefined) report.stopped.push(child.spec.id);
      else report.notFinished.push(straggler);
    }
    this._scope.cancel(reason);
    // With stragglers the scope closes whenever they end; nobody waits for that.
    const closed = this._scope.close();
    if (report.notFinished.length === 0) await closed;
    return report;
  }

  private _enqueue(action: () => void | Promise<void>): void {
    this._queue = this._queue.then(action).catch((error: unknown) => {
      this._logger.error({ err: error, supervisor: this._name }, 'supervisor internal error');
    });
  }
}
