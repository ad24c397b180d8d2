// Replaying a long history over SSE: a client that reads as fast as it can gets all 100,000
// events of a finished task, then `completed`, never `overflow` — on the in-memory backend
// (with a history that long) and on the Postgres backend's embedded default (PGlite).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CoordinatorBackend, InProcessBackend, TaskCoordinator } from '../../src/index.js';
import { PostgresBackend } from '../../src/postgres/index.js';
import { silentLogger } from '../helpers.js';
import { engines } from '../postgres/engines.js';
import { testServer } from './helpers.js';

const COUNT = 100_000;

/** Read an event stream to its end: how many events, their seqs in order, the last type. */
async function readAll(
  body: ReadableStream<Uint8Array>,
): Promise<{ events: number; last: string }> {
  const decoder = new TextDecoder();
  let pending = '';
  let events = 0;
  let last = '';
  for await (const chunk of body) {
    pending += decoder.decode(chunk, { stream: true });
    let end = pending.indexOf('\n\n');
    let from = 0;
    while (end !== -1) {
      const frame = pending.slice(from, end);
      from = end + 2;
      end = pending.indexOf('\n\n', from);
      if (!frame.startsWith('id: ')) continue;
      events++;
      const seq = Number(frame.slice(4, frame.indexOf('\n')));
      assert.equal(seq, events, 'gapless, in order');
      const type = /\nevent: (\S+)/.exec(frame);
      last = type?.[1] ?? '';
    }
    pending = pending.slice(from);
  }
  return { events, last };
}

const postgres = (await engines()).find((engine) => engine.name === 'pglite');
const backends: Array<{ name: string; make: () => CoordinatorBackend }> = [
  {
    name: 'in-memory',
    make: () =>
      new InProcessBackend({ logger: silentLogger, runtime: false, maxEventsPerTask: COUNT }),
  },
  ...(postgres === undefined
    ? []
    : [{ name: 'PostgreSQL on PGlite', make: () => new PostgresBackend(postgres.options()) }]),
];

for (const { name, make } of backends) {
  test(`SSE: 100,000 events of a finished task reach a fast client, no overflow (${name})`, {
    timeout: 180_000,
  }, async (t) => {
    const backend = make();
    const coordinator = new TaskCoordinator({
      backend,
      logger: silentLogger,
      runtime: false,
      shutdownBackend: true,
    });
    t.after(() => coordinator.shutdown({ timeout: 2_000 }));
    coordinator.define('many', async (ctx) => {
      for (let i = 1; i <= COUNT; i++) {
        ctx.emit('n', i);
        if (i % 5_000 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      return COUNT;
    });
    const id = await coordinator.start('many', null);
    // The task's own stream, read to its end: the task has finished.
    let seen = 0;
    for await (const _ of coordinator.subscribe(id)) seen++;
    assert.equal(seen, COUNT + 2);

    const server = await testServer(t, coordinator, { keepAliveInterval: 60_000 });
    const started = performance.now();
    const res = await fetch(`${server.url}/tasks/${id}/events`);
    assert.equal(res.status, 200);
    const { events, last } = await readAll(res.body as ReadableStream<Uint8Array>);
    t.diagnostic(`${events} events over SSE in ${(performance.now() - started).toFixed(0)} ms`);
    assert.equal(last, 'completed');
    assert.equal(events, COUNT + 2);
  });
}
