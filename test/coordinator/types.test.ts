// Type-level checks of the coordinator API: compiled by `tsc --noEmit` (npm test runs it first);
// a `@ts-expect-error` that stops being an error fails the type-check.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type CoordinatorBackend,
  type CoordinatorShutdownReport,
  type CoordinatorTaskInfo,
  InlineBackend,
  InProcessBackend,
  InvalidArgumentError,
  type TaskContext,
  TaskCoordinator,
  type TaskDefinition,
  type TaskEvent,
  type TaskEventSource,
} from '../../src/index.js';
import { silentLogger } from '../helpers.js';

test('the public coordinator types fit together', async () => {
  // Both in-memory backends are coordinator backends.
  const backends: CoordinatorBackend[] = [
    new InlineBackend({ logger: silentLogger, runtime: false }),
    new InProcessBackend({ logger: silentLogger, runtime: false }),
  ];
  const source: TaskEventSource = backends[0] as CoordinatorBackend;
  assert.equal(typeof source.events, 'function');
  const coordinator = new TaskCoordinator({
    backend: backends[1] as CoordinatorBackend,
    logger: silentLogger,
    runtime: false,
    shutdownBackend: true,
  });
  const double: TaskDefinition<{ n: number }, { doubled: number }> = (ctx) => {
    const n: number = ctx.input.n;
    // @ts-expect-error the input type is what the definition declares
    const wrong: string = ctx.input.n;
    ctx.emit('seen', { n, wrong });
    return { doubled: n * 2 };
  };
  coordinator.define('double', double, { timeout: 1_000 });
  coordinator.define<string>('shout', (ctx: TaskContext<string>) => ctx.input.toUpperCase());
  // @ts-expect-error a definition is a function of ctx
  assert.throws(() => coordinator.define('bad', 42));
  const id: string = await coordinator.start('double', { n: 2 }, { timeout: 500 });
  const events: TaskEvent[] = [];
  for await (const event of coordinator.subscribe(id, { lastEventId: 0 })) events.push(event);
  assert.equal(events.at(-1)?.type, 'completed');
  const info: CoordinatorTaskInfo | undefined = await coordinator.get(id);
  assert.equal(info?.status, 'succeeded');
  const cancelled: boolean = await coordinator.cancel(id, 'late');
  assert.equal(cancelled, false);
  // @ts-expect-error list filters by status, not state (and refuses the key at run time too)
  await assert.rejects(coordinator.list({ state: 'failed' }), InvalidArgumentError);
  const report: CoordinatorShutdownReport = await coordinator.shutdown({ timeout: 1_000 });
  assert.deepEqual(report.unfinished, []);
  await backends[0]?.shutdown();
});
