// SIGTERM of `warden serve` while tasks run and clients follow them over Server-Sent Events, on
// the embedded database and on a PostgreSQL server: the process exits 0, and every stream ends
// with exactly one final event, `shutdown` (the tasks go back to the queue), then closes.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { deferred, within } from '../helpers.js';
import { type StreamedEvent, sseItems } from '../http/helpers.js';
import { freshDatabase, serverAvailable, startWarden, tempDir } from './helpers.js';

const TASKS = 3;
const STREAMS_PER_TASK = 2;
const FINAL = new Set(['completed', 'failed', 'cancelled', 'overflow', 'shutdown']);

/** Follow `url`'s stream: `started` resolves on its first event, `events` once it closes. */
function follow(url: string): { started: Promise<void>; events: Promise<StreamedEvent[]> } {
  const first = deferred();
  const events = (async () => {
    const response = await fetch(url);
    assert.equal(response.status, 200);
    const seen: StreamedEvent[] = [];
    for await (const item of sseItems(response.body as ReadableStream<Uint8Array>)) {
      if (item.kind !== 'event') continue;
      seen.push({ id: item.id, event: item.event, data: JSON.parse(item.data) });
      first.resolve();
    }
    return seen;
  })();
  events.catch(first.reject);
  return { started: first.promise, events };
}

async function sigtermWithStreams(database: string[]): Promise<void> {
  const server = startWarden([
    'serve',
    ...database,
    '--port',
    '0',
    '--tasks',
    'examples/tasks.ts',
    '--json',
  ]);
  try {
    const listening = JSON.parse(await server.line(/"event":"listening"/)) as { url: string };
    const base = listening.url.replace(/\/$/, '');
    const streams: Array<ReturnType<typeof follow>> = [];
    for (let i = 0; i < TASKS; i++) {
      const response = await fetch(`${base}/tasks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'long-running', input: { intervalMs: 100 } }),
      });
      assert.equal(response.status, 201, await response.clone().text());
      const { id } = (await response.json()) as { id: string };
      for (let s = 0; s < STREAMS_PER_TASK; s++) streams.push(follow(`${base}/tasks/${id}/events`));
    }
    await within(Promise.all(streams.map((stream) => stream.started)), {
      timeout: 30_000,
      what: 'every stream to see its task start',
    });
    const { code } = await within(server.stop('SIGTERM'), { timeout: 30_000, what: 'the exit' });
    assert.equal(code, 0, server.output());
    for (const stream of await within(Promise.all(streams.map((s) => s.events)))) {
      const finals = stream.filter((event) => FINAL.has(event.event));
      assert.equal(finals.length, 1, stream.map((event) => event.event).join(', '));
      assert.equal(stream.at(-1)?.event, 'shutdown');
    }
  } finally {
    await server.stop('SIGKILL');
  }
}

test('SIGTERM of serve on the embedded database: every stream ends with one shutdown', {
  timeout: 120_000,
}, async (t) => {
  await sigtermWithStreams(['--data-dir', join(tempDir(t), 'data')]);
});

test('SIGTERM of serve on a PostgreSQL server: every stream ends with one shutdown', {
  timeout: 120_000,
  skip: !(await serverAvailable()) && 'no PostgreSQL server',
}, async (t) => {
  await sigtermWithStreams(['--database', await freshDatabase(t)]);
});
