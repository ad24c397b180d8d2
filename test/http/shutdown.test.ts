// Stopping the server: a runtime shutdown with event streams open and a task running ends every
// stream with its final event and closes the server well inside the deadline (no waiting out a
// grace period); handler.close() and server.close() do the same on demand.

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { startWardenServer } from '../../src/http/index.js';
import { Runtime, TaskCoordinator } from '../../src/index.js';
import { deferred, silentLogger, waitFor, within } from '../helpers.js';
import { postJson, readEvents, sseItems, testCoordinator, testServer } from './helpers.js';

describe('runtime shutdown', () => {
  test('every stream ends with its final event; the server stops well inside the deadline', async (t) => {
    const runtime = new Runtime({ logger: silentLogger, exit: () => {} });
    t.after(() => runtime.shutdown());
    const coordinator = new TaskCoordinator({ logger: silentLogger, runtime });
    const cleanedUp: string[] = [];
    coordinator.define('work', async (ctx) => {
      try {
        await ctx.token.cancelled();
        ctx.token.throwIfCancelled();
      } finally {
        cleanedUp.push(ctx.id);
      }
    });
    const server = await startWardenServer({ coordinator, port: 0, runtime, logger: silentLogger });
    // Idle keep-alive connections would hold the server open for a minute if nobody closed them.
    server.server.keepAliveTimeout = 60_000;
    const serverClosed = new Promise<void>((resolve) => server.server.once('close', resolve));
    await postJson(`${server.url}/tasks`, { kind: 'work', id: 'a' });
    await postJson(`${server.url}/tasks`, { kind: 'work', id: 'b' });
    // Three event streams, and an idle keep-alive connection (undici keeps the probe's socket).
    const streams = ['a', 'a', 'b'].map((id) =>
      fetch(`${server.url}/tasks/${id}/events`).then(readEvents),
    );
    await waitFor(() => coordinator.stats().subscribers === 3, { what: 'three subscribers' });
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);

    const startedAt = performance.now();
    const shutdown = runtime.shutdown({ deadlineMs: 20_000 });
    assert.equal(server.handler.ready, false, 'not ready from the first moment');
    const report = await within(shutdown, { timeout: 20_000, what: 'the shutdown' });
    const elapsed = performance.now() - startedAt;

    assert.equal(report.outcome, 'clean', JSON.stringify(report.hooks));
    t.diagnostic(`shutdown took ${Math.round(elapsed)} ms`);
    assert.ok(elapsed < 5_000, `shutdown took ${Math.round(elapsed)} ms of a 20 s deadline`);
    for (const events of await Promise.all(streams)) {
      const last = events.at(-1);
      assert.equal(last?.event, 'cancelled');
      assert.equal((last.data.data as { reason: { kind: string } }).reason.kind, 'shutdown');
    }
    assert.deepEqual(cleanedUp.sort(), ['a', 'b']);
    assert.equal(server.server.listening, false);
    await within(serverClosed, { what: 'every connection to close' });
    const hooks = report.hooks.filter((hook) => hook.name.startsWith('warden http server'));
    assert.deepEqual(
      hooks.map((hook) => [hook.phase, hook.status]),
      [
        ['intake', 'ok'],
        ['close', 'ok'],
      ],
    );
  });
});

describe('close on demand', () => {
  test('handler.close() ends open streams with a shutdown event and resolves once they closed', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator);
    await postJson(`${server.url}/tasks`, { kind: 'gate', id: 'g' });
    const res = await fetch(`${server.url}/tasks/g/events`);
    const items = sseItems(res.body as ReadableStream<Uint8Array>);
    // Read by hand: a `break` out of for-await would cancel the body.
    const seen: string[] = [];
    while (!seen.includes('waiting')) {
      const next = await items.next();
      if (next.done === true) assert.fail('the stream ended early');
      if (next.value.kind === 'event') seen.push(next.value.event);
    }
    const rest = (async () => {
      const out: Array<{ event: string; data: string; id: string | undefined }> = [];
      for await (const item of items) if (item.kind === 'event') out.push(item);
      return out;
    })();
    await server.handler.close();
    assert.equal(server.handler.openStreams, 0);
    const final = await rest;
    assert.equal(final.length, 1);
    assert.equal(final[0]?.event, 'shutdown');
    assert.equal(final[0]?.id, '2');
    const data = JSON.parse(final[0]?.data ?? '') as {
      taskId: string;
      type: string;
      data: { reason: { kind: string; message: string }; lastEventId: number };
    };
    assert.equal(data.taskId, 'g');
    assert.equal(data.type, 'shutdown');
    assert.deepEqual(data.data, {
      reason: { kind: 'shutdown', message: 'the HTTP server is shutting down' },
      lastEventId: 2,
    });
    assert.equal(coordinator.stats().subscribers, 0);
    // The task itself runs on: the coordinator is not the handler's to stop.
    assert.equal((await coordinator.get('g'))?.status, 'running');
    // A stream opened after close() gets shutdown at once.
    const late = await readEvents(await fetch(`${server.url}/tasks/g/events?lastEventId=2`));
    assert.deepEqual(
      late.map((event) => event.event),
      ['shutdown'],
    );
  });

  test('server.close() closes idle keep-alive connections at once', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator);
    server.server.keepAliveTimeout = 60_000;
    // Each fetch leaves an idle keep-alive socket behind.
    await Promise.all([1, 2, 3].map(() => fetch(`${server.url}/healthz`).then((r) => r.text())));
    const startedAt = performance.now();
    await within(server.close({ timeout: 15_000 }), { timeout: 15_000, what: 'close' });
    const elapsed = performance.now() - startedAt;
    assert.ok(elapsed < 2_000, `close took ${Math.round(elapsed)} ms`);
    assert.equal(server.server.listening, false);
  });

  test('server.close({ timeout }) cuts a client that reads nothing when the timeout runs out', async (t) => {
    const { coordinator } = testCoordinator(t);
    const flood = deferred();
    coordinator.define('flood', async (ctx) => {
      await flood.promise;
      const payload = 'p'.repeat(2_000);
      for (let i = 1; i <= 10_000; i++) {
        ctx.emit('blob', { payload });
        if (i % 200 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    });
    const server = await testServer(t, coordinator, {
      keepAliveInterval: 600_000,
      maxQueuedEvents: 100_000,
    });
    await postJson(`${server.url}/tasks`, { kind: 'flood', id: 'big' });
    const { hostname, port } = new URL(server.url);
    const socket = connect({ host: hostname, port: Number(port) });
    t.after(() => socket.destroy());
    socket.pause();
    socket.write(`GET /tasks/big/events HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`);
    await waitFor(() => coordinator.stats().subscribers === 1, { what: 'the subscriber' });
    flood.resolve();
    // 20 MB for a client that reads nothing: the stream is stuck waiting for the socket.
    await waitFor(() => coordinator.stats().running === 0, { what: 'the task to finish' });
    assert.equal(server.handler.openStreams, 1);
    const startedAt = performance.now();
    await within(server.close({ timeout: 300 }), { timeout: 10_000, what: 'close' });
    const elapsed = performance.now() - startedAt;
    assert.ok(elapsed < 5_000, `close took ${Math.round(elapsed)} ms`);
    assert.equal(server.handler.openStreams, 0);
  });
});
