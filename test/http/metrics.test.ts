// createWardenMetrics: the Prometheus text a coordinator's runs, its backend's counts and the SSE
// streams produce, read back line by line; registries that do not collide; a dispose() that
// leaves nothing running. Real coordinators, a real PGlite database and a real (silent) TCP
// server for a database that never answers.

import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { type TestContext, test } from 'node:test';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { PGlite } from '@electric-sql/pglite';
import { Counter, collectDefaultMetrics, type Metric, Registry, register } from 'prom-client';
import {
  createWardenMetrics,
  TASK_DURATION_BUCKETS,
  type WardenMetrics,
  type WardenMetricsOptions,
} from '../../src/http/metrics.js';
import { InvalidArgumentError, TaskCoordinator, type TaskEvent } from '../../src/index.js';
import { PostgresBackend } from '../../src/postgres/index.js';
import { deferred, gc, silentLogger, unknownOption, waitFor, within } from '../helpers.js';

// ---------------------------------------------------------------------------------------------
// Reading the exposition text back

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Every sample line of Prometheus text: `name{a="b",…} value`. */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `not a sample line: ${line}`);
    const [, name = '', rawLabels = '', value = ''] = match;
    const labels: Record<string, string> = {};
    for (const [, key = '', escaped = ''] of rawLabels.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key] = escaped.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name, labels, value: value === '+Inf' ? Infinity : Number(value) });
  }
  return samples;
}

/** The value of the one sample with exactly these labels, or undefined. */
function value(
  samples: readonly Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const found = samples.filter(
    (sample) =>
      sample.name === name &&
      Object.keys(sample.labels).length === Object.keys(labels).length &&
      Object.entries(labels).every(([key, v]) => sample.labels[key] === v),
  );
  assert.ok(found.length <= 1, `${name} ${JSON.stringify(labels)} appears ${found.length} times`);
  return found[0]?.value;
}

/** The metric names that have a `# TYPE` line. */
function typedNames(text: string): string[] {
  return [...text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1] ?? '');
}

async function scrape(metrics: WardenMetrics): Promise<Sample[]> {
  return parse(await metrics.render());
}

// ---------------------------------------------------------------------------------------------
// Fixtures

/** Read a task's stream to its end; the terminal event. */
async function finish(coordinator: TaskCoordinator, id: string): Promise<TaskEvent | undefined> {
  let last: TaskEvent | undefined;
  for await (const event of coordinator.subscribe(id)) last = event;
  return last;
}

/** Poll an async condition once per event-loop turn, for at most `timeout` ms. */
async function until(check: () => Promise<boolean>, what: string, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await nextMacrotask();
  }
}

/** An in-process coordinator, shut down after the test. */
function newCoordinator(t: TestContext): TaskCoordinator {
  const coordinator = new TaskCoordinator({ logger: silentLogger, runtime: false });
  t.after(() => coordinator.shutdown());
  return coordinator;
}

/** Metrics of `coordinator`, disposed after the test. */
function metricsOf(
  t: TestContext,
  coordinator: TaskCoordinator,
  options: WardenMetricsOptions = { collectDefaultMetrics: false },
): WardenMetrics {
  const metrics = createWardenMetrics(coordinator, options);
  t.after(() => metrics.dispose());
  return metrics;
}

/**
 * Kinds `ok` (returns), `boom` (throws) and `hold` (waits for its token; `held()` resolves when
 * the next run of it has started).
 */
function defineKinds(coordinator: TaskCoordinator): { held(): Promise<void> } {
  let holding = deferred();
  coordinator.define('ok', () => 'done');
  coordinator.define('boom', () => {
    throw new Error('boom');
  });
  coordinator.define('hold', async (ctx) => {
    holding.resolve();
    await ctx.token.cancelled();
    ctx.token.throwIfCancelled();
  });
  return {
    held: async () => {
      await within(holding.promise, { what: 'a hold run to start' });
      holding = deferred();
    },
  };
}

/** A metric object on a registry, to read after the registry lets go of it. */
function metricOn(metrics: WardenMetrics, name: string): Metric {
  const metric = metrics.registry.getSingleMetric(name);
  assert.ok(metric, `${name} is registered`);
  return metric;
}

/** The sum of a metric's values (only those named `metricName`, e.g. a histogram's `_count`s). */
async function total(metric: Metric, metricName?: string): Promise<number> {
  const { values } = await metric.get();
  return values
    .filter((v) => metricName === undefined || ('metricName' in v && v.metricName === metricName))
    .reduce((sum, v) => sum + v.value, 0);
}

// ---------------------------------------------------------------------------------------------
// Runs in this process

test('runs are counted per kind and outcome, timed, and the running gauge follows', async (t) => {
  const coordinator = newCoordinator(t);
  const metrics = metricsOf(t, coordinator);
  const { held } = defineKinds(coordinator);

  assert.equal((await finish(coordinator, await coordinator.start('ok')))?.type, 'completed');
  assert.equal((await finish(coordinator, await coordinator.start('ok')))?.type, 'completed');
  assert.equal((await finish(coordinator, await coordinator.start('boom')))?.type, 'failed');
  const timedOut = await coordinator.start('hold', null, { timeout: 20 });
  const end = await finish(coordinator, timedOut);
  assert.equal(end?.type, 'failed');
  assert.equal((end?.data as { timeout?: unknown } | undefined)?.timeout, true);

  const holding = await coordinator.start('hold');
  await held();
  let samples = await scrape(metrics);
  assert.equal(value(samples, 'warden_tasks_running'), 1);
  assert.equal(value(samples, 'warden_tasks', { state: 'running' }), 1);
  assert.equal(value(samples, 'warden_tasks_started_total', { kind: 'hold' }), 2);
  assert.equal(await coordinator.cancel(holding, 'enough'), true);
  assert.equal((await finish(coordinator, holding))?.type, 'cancelled');

  samples = await scrape(metrics);
  assert.equal(value(samples, 'warden_tasks_running'), 0);
  for (const [kind, started] of [
    ['ok', 2],
    ['boom', 1],
    ['hold', 2],
  ] as const) {
    assert.equal(value(samples, 'warden_tasks_started_total', { kind }), started, kind);
  }
  const finished = (kind: string, outcome: string, timeout = 'false') =>
    value(samples, 'warden_tasks_finished_total', { kind, outcome, timeout });
  assert.equal(finished('ok', 'succeeded'), 2);
  assert.equal(finished('boom', 'failed'), 1);
  assert.equal(finished('hold', 'failed', 'true'), 1);
  assert.equal(finished('hold', 'failed'), 0);
  assert.equal(finished('hold', 'cancelled'), 1);
  // Every outcome of a kind that ran is there from its first run, at 0.
  assert.equal(finished('ok', 'failed'), 0);
  assert.equal(finished('ok', 'failed', 'true'), 0);
  assert.equal(finished('ok', 'cancelled'), 0);
  assert.equal(finished('boom', 'succeeded'), 0);
  assert.equal(finished('ok', 'cancelled', 'true'), undefined);

  const histograms = [
    ['ok', 'succeeded', 2],
    ['boom', 'failed', 1],
    ['hold', 'failed', 1],
    ['hold', 'cancelled', 1],
  ] as const;
  for (const [kind, outcome, count] of histograms) {
    const labels = { kind, outcome };
    assert.equal(value(samples, 'warden_task_duration_seconds_count', labels), count);
    assert.ok((value(samples, 'warden_task_duration_seconds_sum', labels) ?? -1) >= 0);
    const buckets = samples.filter(
      (s) =>
        s.name === 'warden_task_duration_seconds_bucket' &&
        s.labels.kind === kind &&
        s.labels.outcome === outcome,
    );
    assert.deepEqual(
      buckets.map((s) => s.labels.le),
      [...TASK_DURATION_BUCKETS.map(String), '+Inf'],
    );
    const counts = buckets.map((s) => s.value);
    assert.ok(
      counts.every((c, i) => i === 0 || c >= (counts[i - 1] ?? 0)),
      `cumulative: ${counts}`,
    );
    assert.equal(counts.at(-1), count);
  }
  assert.equal(
    value(samples, 'warden_task_duration_seconds_count', { kind: 'ok', outcome: 'failed' }),
    undefined,
  );
  assert.deepEqual(TASK_DURATION_BUCKETS.slice(0, 1), [0.005]);
  assert.deepEqual(TASK_DURATION_BUCKETS.slice(-1), [300]);
  // The timed-out run lasted its 20 ms limit (the timer starts with the run): in seconds, and in
  // the buckets above 10 ms.
  const timedOutRun = { kind: 'hold', outcome: 'failed' };
  assert.ok((value(samples, 'warden_task_duration_seconds_sum', timedOutRun) ?? 0) >= 0.019);
  assert.ok((value(samples, 'warden_task_duration_seconds_sum', timedOutRun) ?? 1) < 20);
  const bucket = (le: string) =>
    value(samples, 'warden_task_duration_seconds_bucket', { le, ...timedOutRun });
  assert.equal(bucket('0.01'), 0);
  assert.equal(bucket('300'), 1);

  // The in-process backend's counts: everything it accepted.
  const states = { queued: 0, running: 0, succeeded: 2, failed: 2, cancelled: 1 };
  for (const [state, count] of Object.entries(states)) {
    assert.equal(value(samples, 'warden_tasks', { state }), count, state);
  }
  assert.equal(value(samples, 'warden_backend_up'), 1);
  assert.equal(metrics.contentType, 'text/plain; version=0.0.4; charset=utf-8');
});

test('warden_sse_streams follows streamOpened and streamClosed, never below 0', async (t) => {
  const metrics = metricsOf(t, newCoordinator(t));
  assert.equal(value(await scrape(metrics), 'warden_sse_streams'), 0);
  metrics.streamOpened();
  metrics.streamOpened();
  metrics.streamOpened();
  metrics.streamClosed();
  assert.equal(value(await scrape(metrics), 'warden_sse_streams'), 2);
  for (let i = 0; i < 5; i++) metrics.streamClosed();
  assert.equal(value(await scrape(metrics), 'warden_sse_streams'), 0);
  metrics.streamOpened();
  assert.equal(value(await scrape(metrics), 'warden_sse_streams'), 1);
});

test("Node's default metrics are there unless turned off", async (t) => {
  const coordinator = newCoordinator(t);
  const withDefaults = metricsOf(t, coordinator, {});
  const names = typedNames(await withDefaults.render());
  for (const name of [
    'nodejs_eventloop_lag_seconds',
    'nodejs_heap_size_used_bytes',
    'nodejs_gc_duration_seconds',
    'process_cpu_user_seconds_total',
    'warden_tasks_started_total',
  ]) {
    assert.ok(names.includes(name), `${name} in ${names.join(' ')}`);
  }
  const without = metricsOf(t, coordinator, { collectDefaultMetrics: false });
  const bare = typedNames(await without.render());
  assert.deepEqual(
    bare.filter((name) => !name.startsWith('warden_')),
    [],
  );
  assert.deepEqual(bare.sort(), [
    'warden_backend_up',
    'warden_sse_streams',
    'warden_task_duration_seconds',
    'warden_tasks',
    'warden_tasks_finished_total',
    'warden_tasks_running',
    'warden_tasks_started_total',
  ]);
});

test('two instances in one process do not collide, nor touch the global registry', async (t) => {
  const a = newCoordinator(t);
  const b = newCoordinator(t);
  const ofA = metricsOf(t, a, {});
  const ofB = metricsOf(t, b, {});
  a.define('ok', () => 1);
  b.define('ok', () => 2);
  await finish(a, await a.start('ok'));
  await finish(b, await b.start('ok'));
  await finish(b, await b.start('ok'));

  assert.notEqual(ofA.registry, ofB.registry);
  assert.notEqual(ofA.registry, register);
  assert.equal(value(await scrape(ofA), 'warden_tasks_started_total', { kind: 'ok' }), 1);
  assert.equal(value(await scrape(ofB), 'warden_tasks_started_total', { kind: 'ok' }), 2);
  assert.ok(!(await register.metrics()).includes('warden_'));

  // Two on one coordinator count the same runs.
  const again = metricsOf(t, a);
  await finish(a, await a.start('ok'));
  assert.equal(value(await scrape(again), 'warden_tasks_started_total', { kind: 'ok' }), 1);
  assert.equal(value(await scrape(ofA), 'warden_tasks_started_total', { kind: 'ok' }), 2);
});

test("a registry you give is shared: one WardenMetrics per registry, dispose() removes Warden's own", async (t) => {
  const coordinator = newCoordinator(t);
  const registry = new Registry();
  const requests = new Counter({ name: 'app_requests_total', help: 'x', registers: [registry] });
  requests.inc(3);
  // Its owner collects Node's default metrics already: Warden keeps those, adds none.
  collectDefaultMetrics({ register: registry });
  const before = registry.getMetricsAsArray().length;

  const metrics = createWardenMetrics(coordinator, { registry });
  assert.equal(metrics.registry, registry);
  const samples = await scrape(metrics);
  assert.equal(value(samples, 'app_requests_total'), 3);
  assert.equal(value(samples, 'warden_tasks_running'), 0);
  assert.equal(registry.getMetricsAsArray().length, before + 7);

  const second = (() => {
    try {
      createWardenMetrics(newCoordinator(t), { registry });
    } catch (error) {
      return error;
    }
  })();
  assert.ok(second instanceof InvalidArgumentError, String(second));
  assert.equal(second.argument, 'options.registry');
  assert.match(second.message, /warden_tasks_started_total/);

  metrics.dispose();
  assert.equal(registry.getMetricsAsArray().length, before);
  const after = await registry.metrics();
  assert.ok(!after.includes('warden_'));
  assert.match(after, /^app_requests_total 3$/m);
  assert.match(after, /^# TYPE nodejs_eventloop_lag_seconds gauge$/m);
  // Once disposed, the registry takes a new one.
  metricsOf(t, coordinator, { registry });
});

test('bad arguments are refused at the call', (t) => {
  const coordinator = newCoordinator(t);
  const bad: Array<[unknown, unknown, string]> = [
    [null, {}, 'coordinator'],
    [{}, {}, 'coordinator'],
    [coordinator, null, 'options'],
    [coordinator, { registry: {} }, 'options.registry'],
    [coordinator, { collectDefaultMetrics: 'yes' }, 'options.collectDefaultMetrics'],
    [coordinator, { backendTimeout: 0 }, 'options.backendTimeout'],
    [coordinator, { backendTimeout: Number.NaN }, 'options.backendTimeout'],
  ];
  for (const [target, options, argument] of bad) {
    assert.throws(
      () => createWardenMetrics(target as never, options as never),
      (error) => error instanceof InvalidArgumentError && error.argument === argument,
      argument,
    );
  }
});

test('an unknown option key is refused; every option at once is accepted', (t) => {
  const coordinator = newCoordinator(t);
  assert.throws(
    () => createWardenMetrics(coordinator, { collectDefaults: false } as never),
    unknownOption(
      "createWardenMetrics options: unknown option 'collectDefaults' (did you mean 'collectDefaultMetrics'?)",
    ),
  );
  const metrics = metricsOf(t, coordinator, {
    registry: new Registry(),
    collectDefaultMetrics: false,
    backendTimeout: 1_000,
  });
  assert.equal(typeof metrics.render, 'function');
});

// ---------------------------------------------------------------------------------------------
// dispose()

test("dispose() stops observing, stops Node's event-loop monitor and GC observer, clears the registry", async (t) => {
  const coordinator = newCoordinator(t);
  coordinator.define('ok', () => 1);
  const metrics = createWardenMetrics(coordinator);
  // A second instance, left running, shows what the first would do if it had not stopped.
  const control = metricsOf(t, coordinator, {});

  const started = metricOn(metrics, 'warden_tasks_started_total');
  const lag = metricOn(metrics, 'nodejs_eventloop_lag_seconds');
  const lagMax = metricOn(metrics, 'nodejs_eventloop_lag_max_seconds');
  const gcs = metricOn(metrics, 'nodejs_gc_duration_seconds');
  const controlGcs = metricOn(control, 'nodejs_gc_duration_seconds');
  await finish(coordinator, await coordinator.start('ok'));
  assert.equal(await total(started), 1);

  metrics.dispose();
  metrics.dispose();
  assert.deepEqual(metrics.registry.getMetricsAsArray(), []);
  assert.ok(!(await metrics.render()).includes('warden_'));

  // No longer observing the coordinator.
  await finish(coordinator, await coordinator.start('ok'));
  assert.equal(await total(started), 1);

  // The GC observer is disconnected: collections reach the control's, not this one's.
  const gcsBefore = await total(gcs, 'nodejs_gc_duration_seconds_count');
  for (let round = 0; round < 2; round++) {
    const seen = await total(controlGcs, 'nodejs_gc_duration_seconds_count');
    await until(async () => {
      gc();
      return (await total(controlGcs, 'nodejs_gc_duration_seconds_count')) > seen;
    }, 'the control to see a GC');
  }
  assert.equal(await total(gcs, 'nodejs_gc_duration_seconds_count'), gcsBefore);

  // The event-loop monitor is disabled: after a reset (a collect) it records nothing more. A
  // monitor of our own, sampling every 10 ms as prom-client's does, shows the time it had.
  await lag.get();
  const clock = monitorEventLoopDelay({ resolution: 10 });
  clock.enable();
  try {
    await waitFor(() => clock.count >= 3, { what: 'three 10 ms samples', timeout: 10_000 });
  } finally {
    clock.disable();
  }
  await lag.get();
  assert.equal(await total(lagMax), 0);
});

// ---------------------------------------------------------------------------------------------
// The backend's view

test('on Postgres (PGlite), warden_tasks is the database count, not what ran here', async (t) => {
  const backend = new PostgresBackend({
    pglite: {},
    runtime: false,
    logger: silentLogger,
    maxAttempts: 1,
    // Known to the queue, run by no process here.
    types: { elsewhere: {} },
  });
  const coordinator = new TaskCoordinator({ backend, logger: silentLogger, runtime: false });
  t.after(async () => {
    await coordinator.shutdown();
    await backend.shutdown();
  });
  const metrics = metricsOf(t, coordinator);
  coordinator.define('ok', () => 1);
  coordinator.define('boom', () => {
    throw new Error('boom');
  });
  assert.equal((await finish(coordinator, await coordinator.start('ok')))?.type, 'completed');
  assert.equal((await finish(coordinator, await coordinator.start('boom')))?.type, 'failed');
  // No process here runs this kind: the tasks wait in the database's queue.
  await coordinator.start('elsewhere', { n: 1 });
  await coordinator.start('elsewhere', { n: 2 });
  await coordinator.start('elsewhere', { n: 3 });

  const samples = await scrape(metrics);
  const expected = { queued: 3, running: 0, succeeded: 1, failed: 1, cancelled: 0 };
  assert.deepEqual(await coordinator.counts(), expected);
  for (const [state, count] of Object.entries(expected)) {
    assert.equal(value(samples, 'warden_tasks', { state }), count, state);
  }
  assert.equal(value(samples, 'warden_backend_up'), 1);
  assert.equal(value(samples, 'warden_tasks_started_total', { kind: 'ok' }), 1);
  assert.equal(value(samples, 'warden_tasks_started_total', { kind: 'elsewhere' }), undefined);
  assert.equal(
    value(samples, 'warden_tasks_finished_total', {
      kind: 'boom',
      outcome: 'failed',
      timeout: 'false',
    }),
    1,
  );
});

test('a database that is down: warden_backend_up 0 and warden_tasks keeps its last values', async (t) => {
  const db = await PGlite.create();
  const backend = new PostgresBackend({
    pglite: db,
    runtime: false,
    logger: silentLogger,
    maxAttempts: 1,
    // Known to the queue, run by no process here.
    types: { elsewhere: {} },
  });
  const coordinator = new TaskCoordinator({ backend, logger: silentLogger, runtime: false });
  t.after(async () => {
    await coordinator.shutdown();
    await backend.shutdown();
    if (!db.closed) await db.close();
  });
  const metrics = metricsOf(t, coordinator);
  coordinator.define('ok', () => 1);
  await finish(coordinator, await coordinator.start('ok'));
  await coordinator.start('elsewhere');
  let samples = await scrape(metrics);
  assert.equal(value(samples, 'warden_backend_up'), 1);
  assert.equal(value(samples, 'warden_tasks', { state: 'succeeded' }), 1);
  assert.equal(value(samples, 'warden_tasks', { state: 'queued' }), 1);

  await db.close();
  await assert.rejects(coordinator.counts());
  samples = await within(scrape(metrics), { what: 'a scrape with the database down' });
  assert.equal(value(samples, 'warden_backend_up'), 0);
  assert.equal(value(samples, 'warden_tasks', { state: 'succeeded' }), 1);
  assert.equal(value(samples, 'warden_tasks', { state: 'queued' }), 1);
});

test('a database that never answers: the scrape ends after backendTimeout', async (t) => {
  // Accepts connections and says nothing, as a hung server or a black-holed network does.
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  const backend = new PostgresBackend({
    connectionString: `postgres://nobody@127.0.0.1:${address.port}/none`,
    runtime: false,
    logger: silentLogger,
  });
  const coordinator = new TaskCoordinator({ backend, logger: silentLogger, runtime: false });
  t.after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
    await coordinator.shutdown();
    await backend.shutdown().catch(() => {});
  });
  const metrics = metricsOf(t, coordinator, {
    collectDefaultMetrics: false,
    backendTimeout: 200,
  });

  for (let scrapeNo = 0; scrapeNo < 2; scrapeNo++) {
    const samples = await within(scrape(metrics), { what: 'a scrape', timeout: 10_000 });
    assert.equal(value(samples, 'warden_backend_up'), 0);
    assert.deepEqual(
      samples.filter((s) => s.name === 'warden_tasks'),
      [],
    );
    assert.equal(value(samples, 'warden_tasks_running'), 0);
  }
  assert.ok(sockets.size >= 1, 'the backend did try to connect');
});
