// Scaling out on PostgreSQL with the real CLI: two `warden worker` processes and one
// `warden serve --concurrency 0` (the API only) share a fresh database. Tasks submitted over
// HTTP run on both workers; an SSE client sees every event of a task in order, ending in
// `completed`; and when one worker is killed with SIGKILL while it runs tasks, those tasks
// complete on the other one once their lease expires.
//
// Deterministic: every task waits at a gate (a file) after it reports its pid, so the test
// knows who runs what before it kills anyone or lets anything finish. Each worker runs at most
// 2 tasks at once, so 4 tasks running at once are 2 on each worker.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { followEvents } from '../../src/cli/follow-events.js';
import { WardenClient } from '../../src/cli/http-client.js';
import type { CoordinatorTaskInfo, TaskEvent } from '../../src/index.js';
import { within } from '../helpers.js';
import { freshDatabase, runWarden, serverAvailable, startWarden, tempDir } from './helpers.js';

const server = await serverAvailable();
const TASKS = 'test/cli/fixtures/scale-tasks.ts';
const TASK_COUNT = 10;
const STEPS = 3;

/** The result in a stream's `completed` event. */
function resultOf(stream: readonly TaskEvent[]): unknown {
  return (stream.at(-1)?.data as { result?: unknown } | undefined)?.result;
}

test("two workers and an API-only server share one PostgreSQL; a killed worker's tasks finish elsewhere", {
  skip: !server && 'no PostgreSQL server',
  timeout: 180_000,
}, async (t) => {
  const database = await freshDatabase(t);
  const gate = join(tempDir(t), 'open');
  const migrated = await runWarden(['migrate', '--database', database]);
  assert.equal(migrated.code, 0, migrated.stderr);

  const worker = (): ReturnType<typeof startWarden> =>
    startWarden(
      ['worker', '--tasks', TASKS, '--concurrency', '2', '--lease-timeout', '2000', '--json'],
      { env: { WARDEN_DATABASE_URL: database } },
    );
  const workers = [worker(), worker()];
  const api = startWarden([
    'serve',
    '--database',
    database,
    '--concurrency',
    '0',
    '--port',
    '0',
    '--tasks',
    TASKS,
    '--json',
  ]);
  const all = [...workers, api];
  t.after(() => Promise.all(all.map((child) => child.stop('SIGKILL'))));

  for (const child of workers) {
    const ready = JSON.parse(await child.line(/"event":"ready"/)) as Record<string, unknown>;
    assert.equal(ready.pid, child.pid);
    assert.deepEqual(ready.kinds, ['step']);
    assert.equal(ready.concurrency, 2);
  }
  const listening = JSON.parse(await api.line(/"event":"listening"/)) as { url: string };
  const url = listening.url.replace(/\/$/, '');
  const client = new WardenClient({ url, token: undefined });

  // Submit over HTTP, and follow every task over SSE from the start.
  const ids: string[] = [];
  for (let i = 0; i < TASK_COUNT; i++) {
    const response = await fetch(`${url}/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'step', input: { gate, steps: STEPS }, id: `step-${i}` }),
    });
    assert.equal(response.status, 201, await response.clone().text());
    ids.push(((await response.json()) as CoordinatorTaskInfo).id);
  }
  const events = new Map<string, TaskEvent[]>(ids.map((id) => [id, []]));
  let changed: () => void = () => {};
  const follows = ids.map(async (id) => {
    for await (const event of followEvents(client, id)) {
      events.get(id)?.push(event);
      changed();
    }
  });
  // Resolves once `predicate` holds, re-checked on every event (no polling, no sleeping).
  const until = (predicate: () => boolean, what: string): Promise<void> =>
    within(
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (predicate()) resolve();
        };
        const previous = changed;
        changed = () => {
          previous();
          check();
        };
        check();
      }),
      { timeout: 60_000, what },
    );
  const runningPid = (id: string): number | undefined => {
    const running = events.get(id)?.filter((event) => event.type === 'running') ?? [];
    return (running.at(-1)?.data as { pid: number } | undefined)?.pid;
  };
  const runningNow = (): string[] => ids.filter((id) => runningPid(id) !== undefined);

  // 4 tasks running at once (2 per worker): both workers run tasks.
  await until(() => runningNow().length === 4, '4 tasks to be running');
  const pids = new Set(runningNow().map(runningPid));
  assert.deepEqual(
    [...pids].sort(),
    workers.map((child) => child.pid).sort(),
    'both workers run tasks',
  );

  // Kill one worker while it runs two tasks; then let every task go on.
  const [victim, survivor] = workers as [(typeof workers)[0], (typeof workers)[0]];
  const orphaned = runningNow().filter((id) => runningPid(id) === victim.pid);
  assert.equal(orphaned.length, 2);
  victim.child.kill('SIGKILL');
  assert.equal((await victim.exited).signal, 'SIGKILL');
  writeFileSync(gate, '');

  // Every task completes; the orphaned ones on the survivor, after running again there.
  await within(Promise.all(follows), { timeout: 90_000, what: 'every task to end' });
  for (const id of ids) {
    const stream = events.get(id) ?? [];
    const types = stream.map((event) => event.type);
    assert.deepEqual(
      stream.map((event) => event.seq),
      stream.map((_, i) => i + 1),
      `${id}: every event, in order, once: ${types}`,
    );
    assert.equal(types.at(-1), 'completed', `${id}: ${types}`);
    assert.equal(
      types.filter((type) => ['completed', 'failed', 'cancelled'].includes(type)).length,
      1,
    );
    assert.deepEqual(
      stream
        .filter((event) => event.type === 'step')
        .map((event) => (event.data as { i: number }).i),
      [1, 2, 3],
    );
  }
  for (const id of orphaned) {
    const stream = events.get(id) ?? [];
    const ranOn = stream
      .filter((event) => event.type === 'running')
      .map((event) => (event.data as { pid: number }).pid);
    assert.deepEqual(ranOn, [victim.pid, survivor.pid], `${id} ran again on the survivor`);
    assert.deepEqual(resultOf(stream), { pid: survivor.pid });
    const info = await client.get(id);
    assert.equal(info.status, 'succeeded');
    assert.equal(info.attempts, 2);
  }
  // The gate opened after the kill: the survivor finished every task.
  const finishedBy = new Set(ids.map((id) => JSON.stringify(resultOf(events.get(id) ?? []))));
  assert.deepEqual([...finishedBy], [JSON.stringify({ pid: survivor.pid })]);

  // The rest shut down cleanly.
  for (const child of [survivor, api]) {
    const { code } = await child.stop('SIGTERM');
    assert.equal(code, 0, child.output());
  }
});
