// TaskCoordinator.observe() and counts(): what metrics are built on.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CancelReason,
  InvalidArgumentError,
  TaskCoordinator,
  type TaskRunEnd,
  type TaskRunStart,
} from '../../src/index.js';
import { captureLogger, deferred, silentLogger, within } from '../helpers.js';
import { collect } from './helpers.js';

test('observers see every run start and end with its outcome; counts() follows', async () => {
  const coordinator = new TaskCoordinator({ logger: silentLogger, runtime: false });
  const started: TaskRunStart[] = [];
  const ended: TaskRunEnd[] = [];
  const registration = coordinator.observe({
    started: (run) => started.push(run),
    ended: (run) => ended.push(run),
  });
  const holding = deferred();
  coordinator.define('ok', () => 1);
  coordinator.define('boom', () => {
    throw new Error('boom');
  });
  coordinator.define('hold', async (ctx) => {
    holding.resolve();
    await ctx.token.cancelled();
    ctx.token.throwIfCancelled();
  });
  const ok = await coordinator.start('ok');
  const boom = await coordinator.start('boom');
  const slow = await coordinator.start('hold', null, { timeout: 10 });
  await collect(coordinator.subscribe(ok));
  await collect(coordinator.subscribe(boom));
  await collect(coordinator.subscribe(slow));
  const held = await coordinator.start('hold');
  await within(holding.promise);
  assert.equal((await coordinator.counts()).running, 1);
  assert.equal(await coordinator.cancel(held, CancelReason.requested('test')), true);
  await collect(coordinator.subscribe(held));

  const outcomes = Object.fromEntries(ended.map((run) => [run.id, [run.outcome, run.timeout]]));
  assert.deepEqual(outcomes, {
    [ok]: ['succeeded', false],
    [boom]: ['failed', false],
    [slow]: ['failed', true],
    [held]: ['cancelled', false],
  });
  assert.deepEqual(
    started.map((run) => [run.id, run.attempt]),
    [ok, boom, slow, held].map((id) => [id, 1]),
  );
  assert.ok(ended.every((run) => run.durationMs >= 0 && run.kind.length > 0));
  assert.deepEqual(await coordinator.counts(), {
    queued: 0,
    running: 0,
    succeeded: 1,
    failed: 2,
    cancelled: 1,
  });

  registration.dispose();
  await collect(coordinator.subscribe(await coordinator.start('ok')));
  assert.equal(ended.length, 4);
  await coordinator.shutdown();
});

test('an observer that throws is logged and the run goes on', async () => {
  const { logger, entries } = captureLogger();
  const coordinator = new TaskCoordinator({ logger, runtime: false });
  coordinator.observe({
    started: () => {
      throw new Error('observer broke');
    },
  });
  coordinator.define('ok', () => 'fine');
  const events = await collect(coordinator.subscribe(await coordinator.start('ok')));
  assert.equal(events.at(-1)?.type, 'completed');
  assert.ok(entries.some((entry) => entry.msg?.includes('observer threw on started')));
  assert.throws(() => coordinator.observe(null as never), InvalidArgumentError);
  await coordinator.shutdown();
});
