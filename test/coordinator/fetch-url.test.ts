// examples/tasks/fetch-url.ts (the seed's HttpxFetchTask) against a local node:http server that
// answers slowly: never the internet. test_cancellation.py's test_httpx_fetch_cleanup_on_cancellation
// and its timeout and shutdown variants.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, test } from 'node:test';
import { fetchUrl } from '../../examples/tasks/fetch-url.js';
import { InProcessBackend, type TaskEvent } from '../../src/index.js';
import { deferred, silentLogger, within } from '../helpers.js';
import { collect, lastData, makeCoordinator, shutdownAll, types } from './helpers.js';

const factory = {
  name: 'InProcessBackend',
  make: () => new InProcessBackend({ logger: silentLogger, runtime: false }),
};

let server: Server;
let base = '';
/** Resolves when the server has seen the connection of the current slow request close. */
let slowClosed = deferred();

before(async () => {
  server = createServer((req, res) => {
    if (req.url === '/fast') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5' }).end('hello');
      return;
    }
    // /slow: 100 of 1,000 promised bytes, then nothing until the client goes away.
    req.socket.once('close', () => slowClosed.resolve());
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
    res.write('x'.repeat(100));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

afterEach(shutdownAll);

/** Subscribe and resolve with the stream once the task has reported progress. */
async function followUntilProgress(
  iterator: AsyncIterableIterator<TaskEvent>,
): Promise<TaskEvent[]> {
  const seen: TaskEvent[] = [];
  for (;;) {
    const { value, done } = await within(iterator.next(), { what: 'the first progress event' });
    assert.equal(done, false, `ended early: ${types(seen)}`);
    seen.push(value as TaskEvent);
    if (value?.type === 'progress') return seen;
  }
}

describe('examples/tasks/fetch-url.ts', () => {
  test('fetches, reports the response and progress, and completes with status and size', async () => {
    const { coordinator } = await makeCoordinator(factory);
    coordinator.define('fetch-url', fetchUrl);
    const id = await coordinator.start('fetch-url', { url: `${base}/fast` });
    const events = await collect(coordinator.subscribe(id));
    assert.deepEqual(types(events), ['started', 'request', 'response', 'progress', 'completed']);
    assert.deepEqual(events[2]?.data, { status: 200, total: 5 });
    assert.deepEqual(lastData(events), {
      result: { url: `${base}/fast`, status: 200, bytes: 5 },
    });
  });

  test('test_httpx_fetch_cleanup_on_cancellation: reports it, closes the connection, then cancelled', async () => {
    slowClosed = deferred();
    const { coordinator } = await makeCoordinator(factory);
    coordinator.define('fetch-url', fetchUrl);
    const id = await coordinator.start('fetch-url', { url: `${base}/slow` });
    const iterator = coordinator.subscribe(id);
    const seen = await followUntilProgress(iterator);
    assert.equal(await coordinator.cancel(id, 'user closed the page'), true);
    const rest = await collect(iterator);
    const events = [...seen, ...rest];
    assert.deepEqual(types(events).slice(-2), ['fetch-cancelled', 'cancelled']);
    assert.deepEqual(events.at(-2)?.data, {
      url: `${base}/slow`,
      bytes: 100,
      reason: 'requested',
    });
    assert.deepEqual(lastData(events), {
      reason: { kind: 'requested', message: 'user closed the page' },
    });
    await within(slowClosed.promise, { what: 'the server to see the connection closed' });
  });

  test('a timeout aborts the fetch: fetch-cancelled with reason timeout, then failed', async () => {
    slowClosed = deferred();
    const { coordinator } = await makeCoordinator(factory);
    coordinator.define('fetch-url', fetchUrl, { timeout: 150 });
    const id = await coordinator.start('fetch-url', { url: `${base}/slow` });
    const events = await collect(coordinator.subscribe(id));
    assert.deepEqual(types(events).slice(-2), ['fetch-cancelled', 'failed']);
    assert.equal(((events.at(-2) as TaskEvent).data as { reason: string }).reason, 'timeout');
    assert.equal(lastData<{ timeout: boolean }>(events).timeout, true);
    await within(slowClosed.promise, { what: 'the server to see the connection closed' });
  });

  test('a shutdown aborts the fetch: fetch-cancelled with reason shutdown, then cancelled', async () => {
    slowClosed = deferred();
    const { coordinator } = await makeCoordinator(factory);
    coordinator.define('fetch-url', fetchUrl);
    const id = await coordinator.start('fetch-url', { url: `${base}/slow` });
    const iterator = coordinator.subscribe(id);
    await followUntilProgress(iterator);
    const report = await coordinator.shutdown({ timeout: 5_000 });
    assert.deepEqual(report.unfinished, []);
    const rest = await collect(iterator);
    assert.deepEqual(types(rest), ['fetch-cancelled', 'cancelled']);
    assert.equal(((rest[0] as TaskEvent).data as { reason: string }).reason, 'shutdown');
    await within(slowClosed.promise, { what: 'the server to see the connection closed' });
  });

  test('an unreachable URL fails, and says why', async () => {
    const { coordinator } = await makeCoordinator(factory);
    coordinator.define('fetch-url', fetchUrl);
    const id = await coordinator.start('fetch-url', { url: 'http://127.0.0.1:1/nothing' });
    const events = await collect(coordinator.subscribe(id));
    assert.deepEqual(types(events), ['started', 'request', 'failed']);
    assert.equal(lastData<{ error: { name: string } }>(events).error.name, 'TypeError');
  });
});
