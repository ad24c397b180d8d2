/**
 * Warden: supervised, cancellable background async work for Node.js.
 *
 * Every task has a parent, a cancellation token and an owner that waits for it; no failure
 * vanishes. This barrel is the whole public core; heavy parts live under subpath exports.
 *
 * @packageDocumentation
 */

export { type BackendOptions, backendDefaults } from './backend/backend-options.js';
export { getDefaultBackend, setDefaultBackend } from './backend/default-backend.js';
export {
  BackendNotStartedError,
  BackendShutDownError,
  DatabaseUnavailableError,
  DuplicateTaskIdError,
  InvalidPayloadError,
  PayloadTooLargeError,
  QueueFullError,
  TasksAbandonedError,
  UnknownTaskError,
  UnknownTaskTypeError,
} from './backend/errors.js';
export {
  InProcessBackend,
  type InProcessBackendOptions,
  inProcessDefaults,
} from './backend/in-process-backend.js';
export { InlineBackend, type InlineBackendOptions } from './backend/inline-backend.js';
export type {
  BackendShutdownOptions,
  BackendShutdownReport,
  BackendState,
  BackendStats,
  BackendTask,
  FailedTaskInfo,
  HandlerContext,
  HandlerRegistration,
  StragglerInfo,
  SubmitResult,
  TaskBackend,
  TaskExecutor,
  TaskHandler,
  TaskSpec,
} from './backend/task-backend.js';
export {
  type FollowOptions,
  type ListTasksOptions,
  RESERVED_EVENT_TYPES,
  type SerializedError,
  type TaskEvent,
  type TaskEventSource,
  type TaskInfo,
  type TaskState,
  type TerminalEventType,
} from './backend/task-events.js';
export {
  DEFAULT_MAX_PAYLOAD_BYTES,
  MAX_PAYLOAD_DEPTH,
  type ValidatePayloadOptions,
  validatePayload,
} from './backend/validate-payload.js';
export {
  CancelReason,
  type CancelReasonInput,
  type CancelReasonKind,
} from './cancel/cancel-reason.js';
export { type CancelRegistration, CancelToken } from './cancel/cancel-token.js';
export { CancelledError } from './cancel/cancelled-error.js';
export {
  type CoordinatorBackend,
  type CoordinatorShutdownOptions,
  type CoordinatorShutdownReport,
  type CoordinatorStats,
  type CoordinatorTaskInfo,
  coordinatorDefaults,
  type DefineOptions,
  type ListOptions,
  type StartOptions,
  type SubscribeOptions,
  type TaskCoordinatorOptions,
  type TaskRunEnd,
  type TaskRunObserver,
  type TaskRunStart,
  type UnfinishedTaskInfo,
} from './coordinator/coordinator-options.js';
export { CoordinatorShutDownError } from './coordinator/errors.js';
export type { TaskContext, TaskDefinition } from './coordinator/task-context.js';
export { TaskCoordinator } from './coordinator/task-coordinator.js';
export type { TaskDefinitions, TaskKindDefinition } from './coordinator/task-definitions.js';
export {
  CriticalTaskError,
  type ErrorCode,
  errorCodes,
  HandleLeakedError,
  InvalidArgumentError,
  NonErrorThrownError,
  RestartIntensityError,
  ScopeClosedError,
  ShutdownStartedError,
  SupervisorStoppedError,
  TimeoutError,
  toError,
  WardenError,
} from './errors.js';
export { getDefaultRuntime, setDefaultRuntime } from './lifecycle/default-runtime.js';
export { failFast, failFastFn } from './lifecycle/fail-fast.js';
export { Runtime } from './lifecycle/runtime.js';
export {
  type FailFastOptions,
  type FatalOptions,
  type RuntimeHealth,
  type RuntimeOptions,
  type RuntimeShutdownOptions,
  type RuntimeState,
  runtimeDefaults,
  type ShutdownHookOptions,
  type ShutdownHookRegistration,
} from './lifecycle/runtime-options.js';
export {
  SHUTDOWN_BUDGET,
  type ShutdownHook,
  type ShutdownHookContext,
} from './lifecycle/shutdown-phases.js';
export type {
  FailedTask,
  FatalFailure,
  FatalSource,
  ShutdownHookResult,
  ShutdownOutcome,
  ShutdownPhase,
  ShutdownReport,
  UnfinishedTask,
} from './lifecycle/shutdown-report.js';
export {
  type SignalHandlerOptions,
  signalExitCode,
  signalHandlerDefaults,
} from './lifecycle/signals.js';
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
export {
  type BackoffOptions,
  type ChildInfo,
  type ChildSpec,
  type ChildStatus,
  type RestartIntensityOptions,
  type RestartStrategy,
  type RestartType,
  type StopReport,
  Supervisor,
  type SupervisorOptions,
  type SupervisorStatus,
  supervisorDefaults,
} from './task/supervisor.js';
export { Task, type TaskStatus } from './task/task.js';
export {
  type ShieldOptions,
  shield,
  sleep,
  type WithTimeoutOptions,
  withTimeout,
} from './task/timeouts.js';
