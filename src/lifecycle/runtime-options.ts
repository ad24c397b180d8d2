/**
 * Options and plain types of a {@link Runtime}: its options and their defaults and checks,
 * the options of its methods, its state and health.
 *
 * @module
 */

import type { CancelReason } from '../cancel/cancel-reason.js';
import { InvalidArgumentError } from '../errors.js';
import { checkOptionKeys, type OptionKeys, optionKeys } from '../internal/option-keys.js';
import { createConsoleLogger, type Logger } from '../observe/logger.js';
import { validateTimeout } from '../task/internal/validate.js';
import type { FatalSource, ShutdownPhase } from './shutdown-report.js';

/** Options for `new Runtime()`. */
export interface RuntimeOptions {
  /**
   * A name for logs and reports.
   * @default 'warden'
   */
  name?: string;
  /**
   * Where the runtime (and its root scope) logs; `pino()` fits.
   * @default createConsoleLogger()
   */
  logger?: Logger;
  /**
   * The deadline that bounds a whole shutdown, in milliseconds. Keep it below the
   * orchestrator's grace period (Kubernetes' `terminationGracePeriodSeconds`, 30 s by default).
   * @default 25_000
   */
  deadlineMs?: number;
  /**
   * How long a shutdown keeps running, already not ready, before it stops intake, so load
   * balancers can notice. Part of the deadline, and never more than half of it.
   * @default 0
   */
  readinessDelayMs?: number;
  /**
   * Called with the exit code when a signal or a fatal failure ends the process. Injectable
   * for tests.
   * @default (code) => process.exit(code)
   */
  exit?: (code: number) => void;
  /**
   * Record where each root-scope task was spawned, so a report can show it. About a
   * microsecond per spawn.
   * @default true
   */
  recordSpawnSites?: boolean;
  /**
   * Where the FATAL banner is written.
   * @default process.stderr
   */
  stderr?: { write(text: string): unknown };
  /**
   * At most this many unfinished tasks are listed in a report (all are counted).
   * @default 1000
   */
  maxReportedTasks?: number;
}

/** Where a runtime is in its life: `running` → `draining` (shutdown begun) → `stopped`. */
export type RuntimeState = 'running' | 'draining' | 'stopped';

/** What {@link Runtime.health} reports, for `/healthz` (live) and `/readyz` (ready). */
export interface RuntimeHealth {
  /** False once a fatal failure happened or the runtime stopped: restart me. */
  readonly live: boolean;
  /** True only while `running`: from the first moment of a shutdown, send no new traffic. */
  readonly ready: boolean;
  /** The state. */
  readonly state: RuntimeState;
}

/** Options for {@link Runtime.shutdown}. */
export interface RuntimeShutdownOptions {
  /**
   * Why: a {@link CancelReason}, or a message for a `shutdown` reason.
   * @default CancelReason.shutdown('shutdown requested')
   */
  reason?: CancelReason | string;
  /**
   * The deadline for this shutdown, in milliseconds.
   * @default the runtime's `deadlineMs`
   */
  deadlineMs?: number;
}

/** Options for {@link Runtime.onShutdown}. */
export interface ShutdownHookOptions {
  /**
   * When the hook runs: `intake` (stop accepting work, before tasks are cancelled), `drain`
   * (after tasks are cancelled, awaited with them) or `close` (release resources, last).
   * @default 'close'
   */
  phase?: ShutdownPhase;
}

/** Removes a hook added with {@link Runtime.onShutdown}; usable with `using`. */
export interface ShutdownHookRegistration extends Disposable {
  /** Remove the hook. Idempotent. */
  dispose(): void;
}

/** Options for {@link Runtime.failFast} and {@link Runtime.failFastFn}. */
export interface FailFastOptions {
  /** The name shown in the FATAL banner, logs and reports. Required. */
  name: string;
}

/** Options for {@link Runtime.fatal}. */
export interface FatalOptions {
  /**
   * Where the failure came from; chooses the banner's title.
   * @default 'manual'
   */
  source?: FatalSource;
  /** The task or function name; for `manual`, the banner's title. @default none */
  name?: string;
}

/**
 * The defaults of {@link RuntimeOptions} that are plain values (the logger, `exit` and `stderr`
 * default to `createConsoleLogger()`, `process.exit` and `process.stderr`).
 *
 * @example
 * ```ts
 * runtimeDefaults.deadlineMs; // 25_000
 * ```
 */
export const runtimeDefaults = {
  name: 'warden',
  deadlineMs: 25_000,
  readinessDelayMs: 0,
  recordSpawnSites: true,
  maxReportedTasks: 1000,
} as const satisfies Partial<RuntimeOptions>;

const runtimeOptionKeys = optionKeys(runtimeDefaults, [
  'logger',
  'exit',
  'stderr',
]) satisfies OptionKeys<keyof RuntimeOptions>;

/** @internal The keys of {@link RuntimeShutdownOptions}. */
export const shutdownOptionKeys = optionKeys(['reason', 'deadlineMs']) satisfies OptionKeys<
  keyof RuntimeShutdownOptions
>;

/** @internal The keys of {@link ShutdownHookOptions}. */
export const shutdownHookOptionKeys = optionKeys(['phase']) satisfies OptionKeys<
  keyof ShutdownHookOptions
>;

/** @internal The keys of {@link FatalOptions}. */
export const fatalOptionKeys = optionKeys(['source', 'name']) satisfies OptionKeys<
  keyof FatalOptions
>;

const failFastOptionKeys = optionKeys(['name']) satisfies OptionKeys<keyof FailFastOptions>;

/** @internal Options with every default applied. */
export type ResolvedRuntimeOptions = Required<RuntimeOptions>;

/** @internal Check `options` and apply the defaults; throws {@link InvalidArgumentError}. */
export function resolveRuntimeOptions(options: RuntimeOptions): ResolvedRuntimeOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', 'an object', options);
  }
  checkOptionKeys(options, runtimeOptionKeys, 'Runtime');
  const {
    name = runtimeDefaults.name,
    deadlineMs = runtimeDefaults.deadlineMs,
    readinessDelayMs = runtimeDefaults.readinessDelayMs,
    recordSpawnSites = runtimeDefaults.recordSpawnSites,
    maxReportedTasks = runtimeDefaults.maxReportedTasks,
    logger,
    exit,
    stderr,
  } = options;
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidArgumentError('options.name', 'a non-empty string', name);
  }
  validateTimeout('options.deadlineMs', deadlineMs);
  validateTimeout('options.readinessDelayMs', readinessDelayMs);
  if (typeof recordSpawnSites !== 'boolean') {
    throw new InvalidArgumentError('options.recordSpawnSites', 'a boolean', recordSpawnSites);
  }
  if (!Number.isInteger(maxReportedTasks) || maxReportedTasks < 0) {
    throw new InvalidArgumentError('options.maxReportedTasks', 'an integer ≥ 0', maxReportedTasks);
  }
  if (logger !== undefined && !isLogger(logger)) {
    throw new InvalidArgumentError('options.logger', 'a pino-compatible logger', logger);
  }
  if (exit !== undefined && typeof exit !== 'function') {
    throw new InvalidArgumentError('options.exit', 'a function', exit);
  }
  if (stderr !== undefined && typeof stderr?.write !== 'function') {
    throw new InvalidArgumentError('options.stderr', 'an object with a write method', stderr);
  }
  return {
    name,
    deadlineMs,
    readinessDelayMs,
    recordSpawnSites,
    maxReportedTasks,
    logger: logger ?? createConsoleLogger(),
    exit: exit ?? ((code) => process.exit(code)),
    stderr: stderr ?? process.stderr,
  };
}

function isLogger(value: unknown): value is Logger {
  if (typeof value !== 'object' || value === null) return false;
  const logger = value as Record<string, unknown>;
  return ['error', 'warn', 'info', 'debug'].every((level) => typeof logger[level] === 'function');
}

/**
 * @internal Check the options of `failFast`/`failFastFn` (`context` names which); returns the
 * name.
 */
export function validateFailFastOptions(options: FailFastOptions, context: string): string {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', 'an object with a name', options);
  }
  checkOptionKeys(options, failFastOptionKeys, context);
  if (typeof options.name !== 'string' || options.name.length === 0) {
    throw new InvalidArgumentError('options.name', 'a non-empty string', options.name);
  }
  return options.name;
}
