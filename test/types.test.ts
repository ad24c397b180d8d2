// Type-level tests of the public API. `tsc -p tsconfig.json --noEmit` is what checks this file:
// `expectType<Expected>(actual)` is an assignment that fails to compile when `actual` is not an
// `Expected`, `expectEqual<A, B>()` fails unless A and B are the same type, and each
// `// @ts-expect-error` line fails the build if the call below it starts to compile. The runtime
// test then runs the positive checks against real values.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CancelledError,
  CancelReason,
  type CancelReasonInput,
  type CancelReasonKind,
  type CancelRegistration,
  CancelToken,
  type CriticalTaskHandle,
  type ErrorCode,
  type errorCodes,
  type FailurePolicy,
  type Logger,
  Scope,
  type ScopeOptions,
  type SpawnOptions,
  shield,
  sleep,
  spawnCritical,
  type Task,
  type TaskFn,
  type TaskStatus,
  TimeoutError,
  WardenError,
  withTimeout,
} from '../src/index.js';
import { silentLogger } from './helpers.js';

/** Compiles only when `value` is assignable to `T`. */
function expectType<T>(value: T): T {
  return value;
}

type Exact<A, B> =
  (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;

/** Compiles only when `A` and `B` are exactly the same type. */
function expectEqual<A, B>(..._proof: Exact<A, B> extends true ? [] : [never]): void {}

// ---- Positive checks: executed by the test below. ----

async function positiveChecks(): Promise<void> {
  // Cancellation.
  const root = new CancelToken();
  expectType<CancelToken>(root.child());
  expectEqual<typeof root.isCancelled, boolean>();
  expectEqual<typeof root.reason, CancelReason | undefined>();
  expectEqual<ReturnType<CancelToken['cancel']>, boolean>();
  expectEqual<ReturnType<CancelToken['cancelled']>, Promise<CancelReason>>();
  expectEqual<typeof root.signal, AbortSignal>();
  expectEqual<CancelReasonKind, 'requested' | 'timeout' | 'shutdown' | 'parent-failure'>();
  expectEqual<CancelReasonInput, CancelReason | string | undefined>();
  const registration = expectType<CancelRegistration>(root.onCancel(() => {}));
  expectType<Disposable>(registration);
  expectType<Disposable>(root.child());
  expectType<CancelToken>(CancelToken.from(new AbortController().signal));
  const reason: CancelReason = CancelReason.timeout(5);
  expectEqual<typeof reason.kind, CancelReasonKind>();
  expectEqual<typeof reason.cause, unknown>();
  root.cancel(reason);
  root.cancel('a message');
  root.cancel();

  // Scopes and tasks: the value type is inferred from the function.
  const scope = new Scope({ name: 'types', policy: 'isolate', logger: silentLogger });
  expectType<AsyncDisposable>(scope);
  expectEqual<typeof scope.policy, FailurePolicy>();
  expectEqual<FailurePolicy, 'cancel-siblings' | 'isolate'>();
  const numberTask = scope.spawn(() => 1);
  expectEqual<typeof numberTask, Task<number>>();
  const stringTask = scope.spawn(async (token) => {
    expectType<CancelToken>(token);
    return 'text';
  }, 'named');
  expectEqual<typeof stringTask, Task<string>>();
  const voidTask = scope.spawn(async () => {}, { name: 'v', timeout: 1_000 });
  expectEqual<typeof voidTask, Task<void>>();
  expectEqual<ReturnType<typeof numberTask.join>, Promise<number>>();
  expectEqual<typeof numberTask.status, TaskStatus>();
  expectEqual<TaskStatus, 'running' | 'succeeded' | 'failed' | 'cancelled'>();
  expectEqual<typeof numberTask.error, Error | undefined>();
  expectEqual<typeof numberTask.id, number>();
  expectEqual<typeof numberTask.name, string>();
  // A specific task fits where any task is expected (the scope's own API uses Task<unknown>).
  const anyTasks: Task<unknown>[] = [numberTask, stringTask, voidTask];
  expectEqual<ReturnType<Scope['running']>, Task<unknown>[]>();
  expectType<PromiseLike<number>>(numberTask);
  const awaited = await numberTask;
  expectEqual<typeof awaited, number>();
  assert.equal(awaited, 1);
  assert.equal(await stringTask, 'text');
  assert.equal(anyTasks.length, 3);
  const fn: TaskFn<number> = () => Promise.resolve(2);
  expectEqual<ReturnType<typeof fn>, number | PromiseLike<number>>();
  const spawnOptions: SpawnOptions = { name: 'x', timeout: 1 };
  const scopeOptions: ScopeOptions = {
    token: root.child(),
    onError: (error, task) => {
      expectType<Error>(error);
      expectType<Task<unknown>>(task);
    },
  };
  assert.ok(spawnOptions && scopeOptions);
  await scope.close();

  // Critical tasks.
  const parent = new CancelToken();
  const critical = spawnCritical(async () => {}, parent, 'critical', { logger: silentLogger });
  expectEqual<typeof critical, CriticalTaskHandle<void>>();
  const valued = spawnCritical(async () => 42, parent, 'valued', { logger: silentLogger });
  expectEqual<ReturnType<typeof valued.join>, Promise<number | undefined>>();
  expectEqual<typeof valued.isFinished, boolean>();
  expectEqual<typeof valued.isCancelled, boolean>();
  assert.equal(await valued.join(), 42);
  critical.detach();

  // Timeouts.
  const timed = withTimeout(1_000, async () => 'ok');
  expectEqual<typeof timed, Promise<string>>();
  expectEqual<ReturnType<typeof sleep>, Promise<void>>();
  const shielded = shield(() => 3);
  expectEqual<typeof shielded, Promise<number>>();
  assert.equal(await timed, 'ok');
  assert.equal(await shielded, 3);

  // Errors.
  expectEqual<ErrorCode, keyof typeof errorCodes>();
  expectType<ErrorCode>('WARDEN_ERR_CANCELLED');
  const cancelled = new CancelledError(CancelReason.requested());
  expectType<WardenError>(cancelled);
  expectEqual<typeof cancelled.code, ErrorCode>();
  expectEqual<typeof cancelled.reason, CancelReason>();
  expectEqual<TimeoutError['ms'], number>();

  // A pino-shaped logger fits the Logger interface.
  const pinoLike = {
    error: (_fields: Record<string, unknown> | string, _message?: string) => {},
    warn: (_fields: Record<string, unknown> | string, _message?: string) => {},
    info: (_fields: Record<string, unknown> | string, _message?: string) => {},
    debug: (_fields: Record<string, unknown> | string, _message?: string) => {},
    child: (): Logger => silentLogger,
  };
  expectType<Logger>(pinoLike);
}

// ---- Negative checks: never called, only compiled. ----

export function rejectedAtCompileTime(scope: Scope, token: CancelToken): void {
  // @ts-expect-error a token's state is read-only
  token.isCancelled = true;
  // @ts-expect-error reasons are CancelReason objects or strings
  token.cancel(42);
  // @ts-expect-error unknown reason kind
  token.cancel({ kind: 'bogus', message: 'x' });
  // @ts-expect-error a root token has no parent argument: use parent.child()
  new CancelToken(token);
  // @ts-expect-error CancelToken.from takes an AbortSignal
  CancelToken.from(token);
  // @ts-expect-error a task runs a function
  scope.spawn(42);
  // @ts-expect-error the timeout is a number of milliseconds
  scope.spawn(() => 1, { timeout: '5s' });
  // @ts-expect-error the second argument is options or a name, not a timeout
  scope.spawn(() => 1, 5);
  // @ts-expect-error exactOptionalPropertyTypes: leave name out rather than pass undefined
  scope.spawn(() => 1, { name: undefined });
  // @ts-expect-error unknown policy
  new Scope({ policy: 'ignore' });
  // @ts-expect-error the scope's parent is a CancelToken, not an AbortSignal
  new Scope({ token: new AbortController().signal });
  // @ts-expect-error a task's value type is kept
  const wrong: Task<string> = scope.spawn(() => 1);
  // @ts-expect-error a status is one of four strings
  const status: TaskStatus = 'paused';
  // @ts-expect-error spawnCritical needs a description
  spawnCritical(async () => {}, token);
  // @ts-expect-error the parent is a CancelToken
  spawnCritical(async () => {}, new AbortController().signal, 'x');
  // @ts-expect-error withTimeout takes the limit first
  withTimeout(async () => 1, 1_000);
  // @ts-expect-error sleep takes milliseconds
  sleep('1s');
  // @ts-expect-error only registered codes are error codes
  new WardenError('WARDEN_ERR_NOT_A_CODE', 'x');
  // @ts-expect-error the code of an error cannot be changed
  new TimeoutError(1).code = 'WARDEN_ERR_CANCELLED';
  void [wrong, status];
}

test('the public API has the types it promises', async () => {
  await positiveChecks();
  assert.equal(typeof rejectedAtCompileTime, 'function');
});
