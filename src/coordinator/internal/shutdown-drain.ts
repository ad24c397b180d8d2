// What a coordinator's shutdown waits for: the runs it stopped, and the subscribers that should
// still get their terminal events. Each end reported here wakes the shutdown to look again; the
// waits are bounded by one deadline.

import type { CancelToken } from '../../cancel/cancel-token.js';
import { settleWithin } from '../../task/internal/settle-within.js';
import type { Subscriber } from './subscriber.js';

/** A handler of the coordinator running in this process. */
export interface LocalRun {
  readonly id: string;
  readonly kind: string;
  readonly token: CancelToken;
  readonly startedAt: number;
}

/** @internal The state of one shutdown in progress. */
export class ShutdownDrain {
  /** Stopped runs still running. */
  readonly runs: Set<LocalRun>;
  /** Subscribers still waiting for their terminal event. */
  readonly subscribers: Set<Subscriber>;
  /** Subscribers that ended by themselves during the shutdown. */
  completed = 0;
  /** Subscribers sent a `shutdown` event. */
  cutOff = 0;
  private _wake: (() => void) | undefined = undefined;

  constructor(
    runs: Iterable<LocalRun>,
    subscribers: Iterable<Subscriber>,
    /** `performance.now()` by which the shutdown gives up. */
    readonly deadline: number,
  ) {
    this.runs = new Set(runs);
    this.subscribers = new Set(subscribers);
  }

  /** A run has ended. */
  runEnded(run: LocalRun): void {
    if (this.runs.delete(run)) this._changed();
  }

  /** A subscriber has ended by itself. */
  subscriberEnded(subscriber: Subscriber): void {
    if (!this.subscribers.delete(subscriber)) return;
    this.completed++;
    this._changed();
  }

  /** Stop waiting for `subscriber` and end its stream with the event `makeEvent` builds. */
  cut(subscriber: Subscriber, cutOff: (subscriber: Subscriber) => void): void {
    if (!this.subscribers.delete(subscriber)) return;
    this.cutOff++;
    cutOff(subscriber);
  }

  /**
   * Resolves true once `done()` holds, false if the deadline comes first. Woken by each change
   * at once (not a bounded wait on a promise): what the shutdown does next, such as cutting off
   * the subscribers of tasks that have not ended, must follow the change without delay.
   */
  async until(done: () => boolean): Promise<boolean> {
    for (;;) {
      if (done()) return true;
      const remaining = this.deadline - performance.now();
      if (remaining <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this._wake = resolve;
        timer = setTimeout(resolve, remaining);
      });
      clearTimeout(timer);
    }
  }

  /** Resolves once `promise` settles or the deadline passes. */
  async within(promise: Promise<unknown>): Promise<void> {
    await settleWithin(this.deadline - performance.now(), promise);
  }

  private _changed(): void {
    const wake = this._wake;
    this._wake = undefined;
    wake?.();
  }
}
