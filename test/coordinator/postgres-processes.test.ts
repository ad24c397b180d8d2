// Coordinators in different processes on one PostgreSQL (server only: PGlite is one process):
// a subscriber here follows a task that runs in a worker process, cancels it there, and keeps
// following it when the worker shuts down and another worker takes it over.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TaskCoordinator, type TaskEvent } from '../../src/index.js';
import { migrate, PostgresBackend } from '../../src/postgres/index.js';
import { silentLogger, within } from '../helpers.js';
import { serverOnly } from '../postgres/engines.js';
import { collect, types } from './helpers.js';

const server = await serverOnly();
const WORKER = fileURLToPath(new URL('./fixtures/pg-worker.ts', import.meta.url));

interface Worker {
  readonly child: ChildProcess;
  line(pattern: RegExp): Promise<string>;
  readonly exited: Promise<number | null>;
  output(): string;
}

const live = new Set<ChildProcess>();
after(() => {
  for (const child of live) child.kill('SIGKILL');
});

function startWorker(env: Record<string, string>): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let out = '';
  const waiters: Array<{ pattern: RegExp; resolve(line: string): void }> = [];
  const scan = (): void => {
    for (const waiter of [...waiters]) {
      const found = out.split('\n').find((line) => waiter.pattern.test(line));
      if (found !== undefined) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(found);
      }
    }
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    scan();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      live.delete(child);
      resolve(code);
    }),
  );
  return {
    child,
    exited,
    output: () => out,
    line: (pattern) =>
      within(
        new Promise<string>((resolve) => {
          waiters.push({ pattern, resolve });
          scan();
        }),
        { timeout: 30_000, what: `a line ${pattern} from the worker` },
      ),
  };
}

describe('TaskCoordinator across processes on PostgreSQL', {
  skip: server === undefined && 'no PostgreSQL server',
}, () => {
  if (server === undefined) return;
  const url = server.connectionString as string;

  /**
   * A coordinator here that runs nothing (concurrency 0): it starts, follows and cancels. The
   * kinds it starts but does not define are declared to the backend as types.
   */
  async function client(schema: string): Promise<TaskCoordinator> {
    const backend = new PostgresBackend({
      connectionString: url,
      schema,
      concurrency: 0,
      types: { count: {}, hold: {} },
      logger: silentLogger,
      runtime: false,
    });
    await backend.start();
    return new TaskCoordinator({
      backend,
      logger: silentLogger,
      runtime: false,
      shutdownBackend: true,
    });
  }

  test('a subscriber here follows, live, a task that runs in another process', async () => {
    const schema = server.newSchema();
    await migrate({ connectionString: url, schema });
    const worker = startWorker({ DATABASE_URL: url, SCHEMA: schema, COUNT: '5' });
    const coordinator = await client(schema);
    try {
      await worker.line(/^READY$/);
      const id = await coordinator.start('count', null);
      const events = await collect(coordinator.subscribe(id), { timeout: 30_000 });
      assert.deepEqual(types(events), [
        'started',
        'tick',
        'tick',
        'tick',
        'tick',
        'tick',
        'completed',
      ]);
      const pid = worker.child.pid;
      assert.notEqual(pid, process.pid);
      for (const event of events.filter((e) => e.type === 'tick')) {
        assert.equal((event.data as { pid: number }).pid, pid, 'emitted in the worker');
      }
      assert.deepEqual(events.at(-1)?.data, { result: { pid } });
      assert.deepEqual(
        events.map((event) => event.seq),
        [1, 2, 3, 4, 5, 6, 7],
      );
    } finally {
      await coordinator.shutdown({ timeout: 1_000 });
      worker.child.kill('SIGKILL');
      await worker.exited;
    }
  });

  test('cancel here reaches the task there; its cleanup comes before cancelled', async () => {
    const schema = server.newSchema();
    await migrate({ connectionString: url, schema });
    const worker = startWorker({ DATABASE_URL: url, SCHEMA: schema });
    const coordinator = await client(schema);
    try {
      await worker.line(/^READY$/);
      const id = await coordinator.start('hold', null);
      const iterator = coordinator.subscribe(id);
      const seen: TaskEvent[] = [];
      for (;;) {
        const { value } = await within(iterator.next(), { timeout: 30_000 });
        seen.push(value as TaskEvent);
        if (value?.type === 'running') break;
      }
      assert.equal(await coordinator.cancel(id, 'stop it over there'), true);
      const rest = await collect(iterator, { timeout: 30_000 });
      assert.deepEqual(types([...seen, ...rest]), ['started', 'running', 'cleanup', 'cancelled']);
      assert.deepEqual(rest.at(-1)?.data, {
        reason: { kind: 'requested', message: 'stop it over there' },
      });
      assert.equal(((rest[0] as TaskEvent).data as { pid: number }).pid, worker.child.pid);
    } finally {
      await coordinator.shutdown({ timeout: 1_000 });
      worker.child.kill('SIGKILL');
      await worker.exited;
    }
  });

  test('a worker shut down by SIGTERM hands its task back; another finishes it; the subscriber here sees it all', async () => {
    const schema = server.newSchema();
    await migrate({ connectionString: url, schema });
    const first = startWorker({
      DATABASE_URL: url,
      SCHEMA: schema,
      COUNT: '200',
      SHUTDOWN_BACKEND: '1',
    });
    const coordinator = await client(schema);
    let second: Worker | undefined;
    try {
      await first.line(/^READY$/);
      const id = await coordinator.start('count', null);
      const iterator = coordinator.subscribe(id);
      const seen: TaskEvent[] = [];
      for (;;) {
        const { value } = await within(iterator.next(), { timeout: 30_000 });
        seen.push(value as TaskEvent);
        if (value?.type === 'tick') break;
      }
      first.child.kill('SIGTERM');
      assert.equal(await within(first.exited, { timeout: 30_000 }), 0, first.output());
      second = startWorker({ DATABASE_URL: url, SCHEMA: schema, COUNT: '3' });
      await second.line(new RegExp(`^running ${id} \\d+$`));
      const rest = await collect(iterator, { timeout: 30_000 });
      const all = [...seen, ...rest];
      // One stream across both workers: seq has no gaps, and exactly one terminal event.
      assert.deepEqual(
        all.map((event) => event.seq),
        all.map((_, index) => index + 1),
        JSON.stringify(all.map((event) => [event.seq, event.type])),
      );
      assert.equal(
        all.filter((e) => ['completed', 'failed', 'cancelled'].includes(e.type)).length,
        1,
      );
      assert.equal(all.at(-1)?.type, 'completed');
      assert.deepEqual(all.at(-1)?.data, { result: { pid: second.child.pid } });
      assert.equal(types(all).filter((type) => type === 'started').length, 2, 'started again');
    } finally {
      await coordinator.shutdown({ timeout: 1_000 });
      second?.child.kill('SIGKILL');
      if (second !== undefined) await second.exited;
    }
  });
});
