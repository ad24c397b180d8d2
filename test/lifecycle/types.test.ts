// Type-level tests of the lifecycle API, checked by `tsc -p tsconfig.json --noEmit`: each
// `expectType<T>(value)` fails to compile when `value` is not a `T`, and each
// `// @ts-expect-error` fails the build if the line below it starts to compile. The runtime
// test runs the positive checks against real values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type CancelToken,
  createConsoleLogger,
  failFastFn,
  getDefaultRuntime,
  Runtime,
  type RuntimeHealth,
  type ShutdownHookRegistration,
  type ShutdownPhase,
  type ShutdownReport,
  type Task,
} from '../../src/index.js';

function expectType<T>(value: T): T {
  return value;
}

test('lifecycle API types', async () => {
  const runtime = new Runtime({
    logger: createConsoleLogger({ level: 'silent' }),
    exit: () => {},
    stderr: { write: () => true },
  });

  const task = runtime.failFast(
    async (token) => {
      expectType<CancelToken>(token);
      return 42;
    },
    { name: 'typed' },
  );
  expectType<Task<number>>(task);

  // The wrapper keeps the parameters and `this`, and always returns a promise of the result.
  const wrapped = runtime.failFastFn(
    function (this: { base: number }, x: number, y: string) {
      return `${this.base + x}${y}`;
    },
    { name: 'method' },
  );
  expectType<Promise<string>>(wrapped.call({ base: 1 }, 2, '!'));
  // @ts-expect-error: wrong argument type
  void (() => wrapped.call({ base: 1 }, '2', '!'));
  const unwrapped = failFastFn(async (n: number) => n * 2, { name: 'double' });
  expectType<(n: number) => Promise<number>>(unwrapped);

  // @ts-expect-error: a name is required
  void (() => runtime.failFast(() => 1, {}));
  // @ts-expect-error: no such phase
  void (() => runtime.onShutdown('x', () => {}, { phase: 'later' }));

  const registration = runtime.onShutdown('hook', ({ reason, signal, deadline }) => {
    expectType<string>(reason.kind);
    expectType<AbortSignal>(signal);
    expectType<number>(deadline);
  });
  expectType<ShutdownHookRegistration>(registration);
  expectType<Disposable>(registration);
  expectType<RuntimeHealth>(runtime.health());
  expectType<ShutdownPhase>('drain');
  expectType<Runtime>(getDefaultRuntime());

  assert.equal(await task, 42);
  assert.equal(await wrapped.call({ base: 1 }, 2, '!'), '3!');
  const report = await runtime.shutdown();
  expectType<ShutdownReport>(report);
  expectType<0 | 1>(report.exitCode);
  assert.equal(report.outcome, 'clean');
});
