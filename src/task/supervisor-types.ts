/**
 * The shapes a `Supervisor` is configured with and reports: strategies, child specs,
 * options, statuses. Declared apart from the class so that its internals can use them too.
 *
 * @module
 */

import type { CancelToken } from '../cancel/cancel-token.js';
import type { Logger } from '../observe/logger.js';

/**
 * Which children a restart takes along (OTP's strategies):
 * - `'one-for-one'`: only the child that ended;
 * - `'one-for-all'`: every child: the others are stopped (reverse start order), then all are
 *   started again in start order;
 * - `'rest-for-one'`: the child that ended and every child started after it: those are stopped
 *   (reverse start order), then it and they are started again in start order.
 */
export type RestartStrategy = 'one-for-one' | 'one-for-all' | 'rest-for-one';

/**
 * When a child that ended is started again (OTP's restart types):
 * - `'permanent'`: always, whether it failed, returned or ended by cancelling itself;
 * - `'transient'`: only when it failed (not when it returned or reacted to its cancellation);
 * - `'temporary'`: never.
 *
 * A child that is not restarted leaves the supervisor (and `Supervisor.children`).
 */
export type RestartType = 'permanent' | 'transient' | 'temporary';

/** A child of a `Supervisor`. */
export interface ChildSpec {
  /** Unique among the supervisor's current children; names the child in logs and reports. */
  id: string;
  /**
   * The child's work. It runs until it ends; it gets its own token, cancelled when the supervisor
   * stops it. It may be sync or async; ending by reacting to that token is not a failure.
   */
  start: (token: CancelToken) => unknown;
  /**
   * When the child is started again after it ends.
   * @default 'permanent'
   */
  restart?: RestartType;
  /**
   * How long stopping waits for the child after cancelling its token, in ms; past it the child is
   * reported as not finished and left running (JavaScript cannot kill it).
   * @default 5000
   */
  shutdownMs?: number;
}

/** OTP's restart intensity. */
export interface RestartIntensityOptions {
  /**
   * The most restarts allowed within `periodMs`; one more and the supervisor gives up.
   * @default 3
   */
  maxRestarts?: number;
  /**
   * The sliding window, in ms.
   * @default 5000
   */
  periodMs?: number;
}

/** The wait between consecutive restarts of the same child. */
export interface BackoffOptions {
  /**
   * The wait before a child's first restart, in ms.
   * @default 100
   */
  initialMs?: number;
  /**
   * The longest wait, in ms.
   * @default 10000 (or `initialMs` when that is larger)
   */
  maxMs?: number;
  /**
   * Each consecutive restart multiplies the wait by this (≥ 1).
   * @default 2
   */
  factor?: number;
  /**
   * The fraction (0..1) of each wait that is randomised away: the wait is drawn from
   * `[wait × (1 − jitter), wait]`, so children that fail together do not restart in lock step.
   * @default 0.2
   */
  jitter?: number;
  /**
   * A child that ran at least this long before it ended starts again from `initialMs`.
   * @default intensity.periodMs
   */
  resetAfterMs?: number;
}

/** Options for `Supervisor`. */
export interface SupervisorOptions {
  /**
   * A name for logs and errors.
   * @default 'supervisor'
   */
  name?: string;
  /**
   * Which children a restart takes along.
   * @default 'one-for-one'
   */
  strategy?: RestartStrategy;
  /**
   * How many restarts within what period are tolerated before giving up. Elixir's default
   * (3 in 5 s); OTP's own is 1 in 5 s.
   * @default { maxRestarts: 3, periodMs: 5000 }
   */
  intensity?: RestartIntensityOptions;
  /**
   * The wait between consecutive restarts of the same child.
   * @default { initialMs: 100, maxMs: 10000, factor: 2, jitter: 0.2 }
   */
  backoff?: BackoffOptions;
  /**
   * A parent token: cancelling it stops the supervisor gracefully, as `Supervisor.stop`
   * with the token's reason.
   * @default none
   */
  token?: CancelToken;
  /**
   * Where child failures, giving up and stragglers are logged.
   * @default createConsoleLogger()
   */
  logger?: Logger;
}

/** Where a child is: running, waiting to be started again, or being stopped. */
export type ChildStatus = 'running' | 'restarting' | 'stopping';

/** One child, as `Supervisor.children` reports it. */
export interface ChildInfo {
  readonly id: string;
  readonly status: ChildStatus;
  /** How many times it was started again (also as part of a group). */
  readonly restarts: number;
  /** `Date.now()` when its current run started; `undefined` while it is not running. */
  readonly startedAt: number | undefined;
}

/** What `Supervisor.stop` (or `Supervisor.stopChild`) did. */
export interface StopReport {
  /** Children that ended (or were not running), in the order they were stopped. */
  readonly stopped: string[];
  /** Children still running when their `shutdownMs` ran out; they were left running. */
  readonly notFinished: Array<{ readonly id: string; readonly waitedMs: number }>;
}

/** Where a supervisor is in its life. */
export type SupervisorStatus = 'running' | 'stopping' | 'stopped' | 'failed';
