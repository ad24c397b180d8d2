/**
 * Warden: supervised, cancellable background async work for Node.js.
 *
 * Every task has a parent, a cancellation token and an owner that waits for it; no failure
 * vanishes. This barrel is the whole public core; heavy parts live under subpath exports.
 *
 * @packageDocumentation
 */

export {
  CancelReason,
  type CancelReasonInput,
  type CancelReasonKind,
} from './cancel/cancel-reason.js';
export { type CancelRegistration, CancelToken } from './cancel/cancel-token.js';
export {
  CancelledError,
  CriticalTaskError,
  type ErrorCode,
  errorCodes,
  HandleLeakedError,
  InvalidArgumentError,
  NonErrorThrownError,
  RestartIntensityError,
  ScopeClosedError,
  SupervisorStoppedError,
  TimeoutError,
  toError,
  WardenError,
} from './errors.js';
export {
  type ConsoleLoggerOptions,
  createConsoleLogger,
  type LogFn,
  type Logger,
} from './observe/logger.js';
export {
  CriticalTaskHandle,
  type CriticalTaskOptions,
  spawnCritical,
} from './task/critical-task.js';
export {
  type FailurePolicy,
  Scope,
  type ScopeOptions,
  type SpawnOptions,
  type TaskFn,
} from './task/scope.js';
export { Task, type TaskStatus } from './task/task.js';
export {
  type ShieldOptions,
  shield,
  sleep,
  type WithTimeoutOptions,
  withTimeout,
} from './task/timeouts.js';
