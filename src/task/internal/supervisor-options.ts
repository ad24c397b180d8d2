// Checks and defaults for Supervisor options and child specs: bad input fails at the call.

import { CancelToken } from '../../cancel/cancel-token.js';
import { InvalidArgumentError } from '../../errors.js';
import { checkOptionKeys } from '../../internal/option-keys.js';
import type { Logger } from '../../observe/logger.js';
import type {
  ChildSpec,
  RestartStrategy,
  RestartType,
  SupervisorOptions,
} from '../supervisor-types.js';
import type { BackoffPolicy } from './backoff.js';
import { validateTimeout } from './validate.js';

const STRATEGIES: readonly RestartStrategy[] = ['one-for-one', 'one-for-all', 'rest-for-one'];
const RESTART_TYPES: readonly RestartType[] = ['permanent', 'transient', 'temporary'];

/** The defaults a supervisor fills in (the public `supervisorDefaults` object). */
export interface SupervisorDefaults {
  readonly name: string;
  readonly strategy: RestartStrategy;
  readonly intensity: { readonly maxRestarts: number; readonly periodMs: number };
  readonly backoff: BackoffPolicy;
  readonly restart: RestartType;
  readonly shutdownMs: number;
}

/** The keys each options object may have (declared in supervisor.ts, next to the defaults). */
export interface SupervisorOptionKeys {
  readonly options: ReadonlySet<string>;
  readonly intensity: ReadonlySet<string>;
  readonly backoff: ReadonlySet<string>;
  readonly child: ReadonlySet<string>;
}

/** Supervisor options with every default applied and every value checked. */
export interface ResolvedSupervisorOptions {
  readonly name: string;
  readonly strategy: RestartStrategy;
  readonly maxRestarts: number;
  readonly periodMs: number;
  readonly backoff: BackoffPolicy;
  readonly resetAfterMs: number;
  readonly token: CancelToken | undefined;
  readonly logger: Logger | undefined;
}

/** A child spec with every default applied and every value checked. */
export interface ResolvedChildSpec {
  readonly id: string;
  readonly start: (token: CancelToken) => unknown;
  readonly restart: RestartType;
  readonly shutdownMs: number;
}

/** Check `options` and fill in `defaults`; throws {@link InvalidArgumentError} on bad input. */
export function resolveSupervisorOptions(
  options: SupervisorOptions,
  defaults: SupervisorDefaults,
  keys: SupervisorOptionKeys,
): ResolvedSupervisorOptions {
  checkObject('options', options);
  checkOptionKeys(options, keys.options, 'Supervisor');
  const name = options.name ?? defaults.name;
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidArgumentError('options.name', 'a non-empty string', name);
  }
  const strategy = options.strategy ?? defaults.strategy;
  checkChoice('options.strategy', strategy, STRATEGIES);

  const intensity = options.intensity ?? {};
  checkObject('options.intensity', intensity);
  checkOptionKeys(intensity, keys.intensity, 'Supervisor', 'options.intensity');
  const maxRestarts = intensity.maxRestarts ?? defaults.intensity.maxRestarts;
  if (typeof maxRestarts !== 'number' || !Number.isSafeInteger(maxRestarts) || maxRestarts < 0) {
    throw new InvalidArgumentError('options.intensity.maxRestarts', 'an integer ≥ 0', maxRestarts);
  }
  const periodMs = intensity.periodMs ?? defaults.intensity.periodMs;
  checkPositive('options.intensity.periodMs', periodMs);

  const backoff = options.backoff ?? {};
  checkObject('options.backoff', backoff);
  checkOptionKeys(backoff, keys.backoff, 'Supervisor', 'options.backoff');
  const initialMs = backoff.initialMs ?? defaults.backoff.initialMs;
  validateTimeout('options.backoff.initialMs', initialMs);
  const maxMs = backoff.maxMs ?? Math.max(defaults.backoff.maxMs, initialMs);
  validateTimeout('options.backoff.maxMs', maxMs);
  if (maxMs < initialMs) {
    throw new InvalidArgumentError(
      'options.backoff.maxMs',
      `at least initialMs (${initialMs})`,
      maxMs,
    );
  }
  const factor = backoff.factor ?? defaults.backoff.factor;
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 1) {
    throw new InvalidArgumentError('options.backoff.factor', 'a finite number ≥ 1', factor);
  }
  const jitter = backoff.jitter ?? defaults.backoff.jitter;
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1)) {
    throw new InvalidArgumentError('options.backoff.jitter', 'a number from 0 to 1', jitter);
  }
  const resetAfterMs = backoff.resetAfterMs ?? periodMs;
  checkPositive('options.backoff.resetAfterMs', resetAfterMs);

  const { token, logger } = options;
  if (token !== undefined && !(token instanceof CancelToken)) {
    throw new InvalidArgumentError('options.token', 'a CancelToken', token);
  }
  if (logger !== undefined && !isLogger(logger)) {
    throw new InvalidArgumentError('options.logger', 'a Logger (pino-compatible)', logger);
  }
  return {
    name,
    strategy,
    maxRestarts,
    periodMs,
    backoff: { initialMs, maxMs, factor, jitter },
    resetAfterMs,
    token,
    logger,
  };
}

/**
 * Check one child spec and fill in `defaults`; `argument` names it in errors, `known.context`
 * the call that was given it.
 */
export function resolveChildSpec(
  spec: ChildSpec,
  argument: string,
  defaults: SupervisorDefaults,
  known: { readonly keys: ReadonlySet<string>; readonly context: string },
): ResolvedChildSpec {
  checkObject(argument, spec);
  checkOptionKeys(spec, known.keys, known.context, argument);
  const { id, start } = spec;
  if (typeof id !== 'string' || id.length === 0) {
    throw new InvalidArgumentError(`${argument}.id`, 'a non-empty string', id);
  }
  if (typeof start !== 'function') {
    throw new InvalidArgumentError(`${argument}.start`, 'a function', start);
  }
  const restart = spec.restart ?? defaults.restart;
  checkChoice(`${argument}.restart`, restart, RESTART_TYPES);
  const shutdownMs = spec.shutdownMs ?? defaults.shutdownMs;
  validateTimeout(`${argument}.shutdownMs`, shutdownMs);
  return { id, start, restart, shutdownMs };
}

function checkObject(argument: string, value: unknown): asserts value is object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(argument, 'an object', value);
  }
}

function checkChoice<T extends string>(
  argument: string,
  value: unknown,
  choices: readonly T[],
): asserts value is T {
  if (!choices.includes(value as T)) {
    throw new InvalidArgumentError(
      argument,
      `one of ${choices.map((c) => `'${c}'`).join(', ')}`,
      value,
    );
  }
}

function checkPositive(argument: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(argument, 'a finite number of milliseconds > 0', value);
  }
}

function isLogger(value: unknown): value is Logger {
  if (typeof value !== 'object' || value === null) return false;
  const logger = value as Record<string, unknown>;
  return ['error', 'warn', 'info', 'debug'].every((level) => typeof logger[level] === 'function');
}
