// GET /tasks/:id/events with real clients: fetch, the `eventsource` package (reconnecting with
// Last-Event-ID after the server drops it), `curl -N`, and a raw socket that never reads while
// its task floods events (the server's memory for it stays bounded, others are served).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { EventSource } from 'eventsource';
import { deferred, settledHeapUsed, waitFor, within } from '../helpers.js';
import {
  errorOf,
  postJson,
  readEvents,
  type StreamedEvent,
  sseItems,
  testCoordinator,
  testServer,
} from './helpers.js';

describe('event stream over fetch', () => {
  test('retry first, then every event as id/event/data, ending after the terminal event', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator, { retry: 1234 });
    await postJson(`${server.url}/tasks`, { kind: 'chatty', id: 'c', input: { count: 5 } });
    const res = await fetch(`${server.url}/tasks/c/events`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.equal(res.headers.get('cache-control'), 'no-cache, no-transform');
    const items = [];
    for await (const item of sseItems(res.body as ReadableStream<Uint8Array>)) items.push(item);
    assert.deepEqual(items[0], { kind: 'retry', ms: 1234 });
    const events = items.filter((item) => item.kind === 'event');
    assert.deepEqual(
      events.map((event) => event.event),
      ['started', 'tick', 'tick', 'tick', 'tick', 'tick', 'completed'],
    );
    events.forEach((event, index) => {
      const data = JSON.parse(event.data) as StreamedEvent['data'];
      assert.equal(event.id, String(index + 1));
      assert.equal(data.seq, index + 1);
      assert.equal(data.taskId, 'c');
      assert.equal(data.type, event.event);
      assert.equal(typeof data.time, 'number');
    });
    const last = JSON.parse(events.at(-1)?.data ?? '{}') as StreamedEvent['data'];
    assert.deepEqual(last.data, { result: 5 });
  });

  test('named=false leaves out the event lines, so every type arrives as message', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator);
    await postJson(`${server.url}/tasks`, { kind: 'chatty', id: 'u', input: { count: 2 } });
    const res = await fetch(`${server.url}/tasks/u/events?named=false`);
    assert.equal(res.status, 200);
    const events = [];
    for await (const item of sseItems(res.body as ReadableStream<Uint8Array>)) {
      if (item.kind === 'event') events.push(item);
    }
    assert.deepEqual(
      events.map((event) => event.event),
      ['message', 'message', 'message', 'message'],
    );
    assert.deepEqual(
      events.map((event) => (JSON.parse(event.data) as StreamedEvent['data']).type),
      ['started', 'tick', 'tick', 'completed'],
    );
    assert.deepEqual(
      events.map((event) => event.id),
      ['1', '2', '3', '4'],
    );
    const bad = await fetch(`${server.url}/tasks/u/events?named=maybe`);
    assert.equal(bad.status, 400);
    assert.equal((await errorOf(bad)).code, 'WARDEN_ERR_BAD_REQUEST');
  });

  test('Last-Event-ID (header or query) resumes after that event; a bad one is 400', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator);
    await postJson(`${server.url}/tasks`, { kind: 'chatty', id: 'r', input: { count: 5 } });
    const byHeader = await readEvents(
      await fetch(`${server.url}/tasks/r/events`, { headers: { 'last-event-id': '4' } }),
    );
    assert.deepEqual(
      byHeader.map((event) => event.data.seq),
      [5, 6, 7],
    );
    const byQuery = await readEvents(await fetch(`${server.url}/tasks/r/events?lastEventId=6`));
    assert.deepEqual(
      byQuery.map((event) => event.event),
      ['completed'],
    );
    for (const bad of ['-1', 'abc', '1.5']) {
      const res = await fetch(`${server.url}/tasks/r/events`, {
        headers: { 'last-event-id': bad },
      });
      assert.deepEqual(await errorOf(res), { status: 400, code: 'WARDEN_ERR_BAD_REQUEST' }, bad);
    }
  });

  test('after the terminal event there is nothing to follow: 204', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator);
    await postJson(`${server.url}/tasks`, { kind: 'echo', id: 'done', input: 1 });
    await waitFor(() => coordinator.stats().running === 0);
    const all = await readEvents(await fetch(`${server.url}/tasks/done/events`));
    const lastId = all.at(-1)?.id;
    assert.equal(all.at(-1)?.event, 'completed');
    const again = await fetch(`${server.url}/tasks/done/events`, {
      headers: { 'last-event-id': String(lastId) },
    });
    assert.equal(again.status, 204);
  });

  test('unknown task 404 and invalid id 400, as JSON before any stream', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator);
    const unknown = await fetch(`${server.url}/tasks/ghost/events`);
    assert.equal(unknown.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(await errorOf(unknown), { status: 404, code: 'WARDEN_ERR_UNKNOWN_TASK' });
    assert.deepEqual(await errorOf(await fetch(`${server.url}/tasks/.x/events`)), {
      status: 400,
      code: 'WARDEN_ERR_BAD_REQUEST',
    });
    await postJson(`${server.url}/tasks`, { kind: 'gate', id: 'h' });
    const head = await fetch(`${server.url}/tasks/h/events`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.equal(coordinator.stats().subscribers, 0, 'HEAD opens no subscription');
  });

  test('keep-alive comments go out while the task is quiet', async (t) => {
    const { coordinator, openGate } = testCoordinator(t);
    const server = await testServer(t, coordinator, { keepAliveInterval: 30 });
    await postJson(`${server.url}/tasks`, { kind: 'gate', id: 'k' });
    const res = await fetch(`${server.url}/tasks/k/events`);
    let comments = 0;
    const types: string[] = [];
    for await (const item of sseItems(res.body as ReadableStream<Uint8Array>)) {
      if (item.kind === 'comment') {
        assert.equal(item.text, 'keep-alive');
        if (++comments === 3) openGate();
      }
      if (item.kind === 'event') types.push(item.event);
    }
    assert.ok(comments >= 3);
    assert.deepEqual(types, ['started', 'waiting', 'completed']);
  });

  test('a client that disconnects is unsubscribed at once', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator);
    await postJson(`${server.url}/tasks`, { kind: 'gate', id: 'd' });
    const controller = new AbortController();
    const res = await fetch(`${server.url}/tasks/d/events`, { signal: controller.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await waitFor(() => coordinator.stats().subscribers === 1, { what: 'the subscription' });
    assert.equal(server.handler.openStreams, 1);
    assert.match(await (await fetch(`${server.url}/metrics`)).text(), /^warden_sse_streams 1$/m);
    controller.abort();
    await waitFor(() => coordinator.stats().subscribers === 0 && server.handler.openStreams === 0, {
      what: 'the subscription to end',
    });
    assert.match(await (await fetch(`${server.url}/metrics`)).text(), /^warden_sse_streams 0$/m);
  });
  test('a client gone before its stream opens leaves nothing behind', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator);
    await postJson(`${server.url}/tasks`, { kind: 'gate', id: 'early' });
    // Hold the route's lookup until the client has gone; see when the route goes on.
    const lookedUp = deferred();
    const clientGone = deferred();
    const answered = deferred();
    const get = coordinator.get.bind(coordinator);
    t.mock.method(coordinator, 'get', async (id: string) => {
      lookedUp.resolve();
      await clientGone.promise;
      const record = await get(id);
      answered.resolve();
      return record;
    });
    const controller = new AbortController();
    const request = fetch(`${server.url}/tasks/early/events`, { signal: controller.signal });
    await lookedUp.promise;
    controller.abort();
    await request.catch(() => {});
    // The server sees the socket close; then the lookup finishes.
    await new Promise<void>((resolve) => {
      const check = (): void => {
        server.server.getConnections((_error, count) => {
          if (count === 0) resolve();
          else setImmediate(check);
        });
      };
      check();
    });
    clientGone.resolve();
    await within(answered.promise, { what: 'the route to go on' });
    await waitFor(() => server.handler.openStreams === 0 && coordinator.stats().subscribers === 0);
    await within(server.handler.close(), { what: 'close() with no live stream' });
  });
});

describe('event stream with real SSE clients', () => {
  test('eventsource reconnects with Last-Event-ID after the server drops it, missing nothing', async (t) => {
    const { coordinator } = testCoordinator(t);
    const steps = Array.from({ length: 6 }, () => deferred());
    coordinator.define('steps', async (ctx) => {
      for (const [i, step] of steps.entries()) {
        await step.promise;
        ctx.emit('step', { i });
      }
      return 'all';
    });
    const server = await testServer(t, coordinator, { retry: 50 });
    await postJson(`${server.url}/tasks`, { kind: 'steps', id: 's' });
    const source = new EventSource(`${server.url}/tasks/s/events`);
    t.after(() => source.close());
    const received: Array<{ type: string; id: string; seq: number }> = [];
    let opens = 0;
    let notify: () => void = () => {};
    const onEvent = (event: MessageEvent): void => {
      const data = JSON.parse(String(event.data)) as StreamedEvent['data'];
      received.push({ type: event.type, id: event.lastEventId, seq: data.seq });
      notify();
    };
    for (const type of ['started', 'step', 'completed']) source.addEventListener(type, onEvent);
    source.addEventListener('open', () => opens++);
    const until = (predicate: () => boolean, what: string) =>
      within(
        new Promise<void>((resolve) => {
          notify = () => predicate() && resolve();
          notify();
        }),
        { timeout: 10_000, what },
      );
    steps[0]?.resolve();
    steps[1]?.resolve();
    await until(() => received.length === 3, 'started and two steps');
    // The server drops every connection; the task goes on while the client is away.
    server.server.closeAllConnections();
    steps[2]?.resolve();
    steps[3]?.resolve();
    await waitFor(() => opens === 2, { timeout: 10_000, what: 'the reconnection' });
    for (const step of steps.slice(4)) step.resolve();
    await until(() => received.at(-1)?.type === 'completed', 'completed');
    source.close();
    assert.deepEqual(
      received.map((event) => event.seq),
      [1, 2, 3, 4, 5, 6, 7, 8],
      'each event exactly once, in order',
    );
    assert.deepEqual(
      received.map((event) => event.id),
      ['1', '2', '3', '4', '5', '6', '7', '8'],
    );
  });

  test('curl -N reads a stream to its end', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator);
    await postJson(`${server.url}/tasks`, { kind: 'gate', id: 'curl' });
    let cancelled = false;
    const child = spawn('curl', ['-N', '-s', '-S', `${server.url}/tasks/curl/events`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    t.after(() => child.kill());
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      // curl -N shows each event as it comes: cancel once the task said it is waiting.
      if (!cancelled && out.includes('event: waiting\n')) {
        cancelled = true;
        void coordinator.cancel('curl', 'curl saw enough');
      }
    });
    const code = await within(new Promise<number | null>((resolve) => child.on('exit', resolve)), {
      timeout: 15_000,
      what: 'curl to exit',
    });
    assert.equal(code, 0);
    assert.match(out, /^retry: 2000\n\n/);
    assert.match(out, /id: 3\nevent: cancelled\ndata: \{.*"message":"curl saw enough"/);
  });
});

describe('a client that never reads', () => {
  /** A raw HTTP/1.1 request for an event stream, on a socket that is then never read. */
  async function stalledClient(url: string, path: string): Promise<Socket> {
    const { hostname, port } = new URL(url);
    const socket = connect({ host: hostname, port: Number(port) });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve).once('error', reject);
    });
    socket.pause();
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
    return socket;
  }

  test('bounded memory while its task floods; cut off with overflow; others served', async (t) => {
    const { coordinator } = testCoordinator(t);
    const flood = deferred();
    // The fast client acknowledges what it has read; the task waits for it every BATCH events,
    // so the fast client never falls behind by more than its bound, however loaded the machine.
    const BATCH = 250;
    let acknowledged = 0;
    let wake: (() => void) | undefined;
    const readUpTo = (i: number) =>
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (acknowledged >= i) resolve();
          else wake = check;
        };
        check();
      });
    coordinator.define<{ count: number; size: number }>('flood', async (ctx) => {
      await flood.promise;
      const payload = 'z'.repeat(ctx.input.size);
      for (let i = 1; i <= ctx.input.count; i++) {
        ctx.emit('blob', { i, payload });
        if (i % BATCH === 0) await readUpTo(i);
      }
      return ctx.input.count;
    });
    const server = await testServer(t, coordinator, {
      maxQueuedEvents: 2 * BATCH,
      keepAliveInterval: 60_000,
    });
    const count = 50_000;
    await postJson(`${server.url}/tasks`, {
      kind: 'flood',
      id: 'f',
      input: { count, size: 1_000 },
    });
    const slow = await stalledClient(server.url, '/tasks/f/events');
    t.after(() => slow.destroy());
    await waitFor(() => server.handler.openStreams === 1, { what: 'the slow stream' });
    const fast = (async () => {
      const res = await fetch(`${server.url}/tasks/f/events`);
      const types: string[] = [];
      for await (const item of sseItems(res.body as ReadableStream<Uint8Array>)) {
        if (item.kind !== 'event') continue;
        types.push(item.event);
        if (item.event === 'blob') {
          acknowledged = (JSON.parse(item.data) as { data: { i: number } }).data.i;
          wake?.();
        }
      }
      return types;
    })();
    await waitFor(() => server.handler.openStreams === 2, { what: 'the fast stream' });
    const before = await settledHeapUsed();
    flood.resolve();
    // 50 MB of events go out; the fast client gets every one of them.
    const types = await within(fast, { timeout: 60_000, what: 'the fast client' });
    assert.equal(types.length, count + 2);
    assert.equal(types.at(-1), 'completed');
    // The slow client is still connected, but the coordinator holds nothing for it any more:
    // its subscription overflowed and ended.
    assert.equal(server.handler.openStreams, 1);
    assert.equal(coordinator.stats().subscribers, 0);
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    const grown = (await settledHeapUsed()) - before;
    t.diagnostic(`heap grew ${grown} bytes for 50 MB of events`);
    assert.ok(grown < 12 * 1024 * 1024, `heap grew ${grown} bytes for 50 MB of events`);
    // Once it reads, it gets what was in flight and then the overflow event, and the stream ends.
    let text = '';
    slow.setEncoding('utf8');
    slow.on('data', (chunk: string) => {
      text += chunk;
    });
    slow.resume();
    await waitFor(() => text.endsWith('\r\n0\r\n\r\n'), { timeout: 20_000, what: 'the end' });
    const lastEvent = text.slice(text.lastIndexOf('event: '));
    assert.match(lastEvent, /^event: overflow\ndata: \{.*"maxQueuedEvents":500/);
    await waitFor(() => server.handler.openStreams === 0, { what: 'the stream to close' });
  });

  test('one that reads nothing for a whole keep-alive interval is disconnected', async (t) => {
    const { coordinator } = testCoordinator(t);
    // A bound far above what the flood sends: only the stall check can end this stream.
    const server = await testServer(t, coordinator, {
      maxQueuedEvents: 100_000,
      keepAliveInterval: 100,
    });
    const flood = deferred();
    coordinator.define('flood', async (ctx) => {
      await flood.promise;
      const payload = 'q'.repeat(1_000);
      for (let i = 1; i <= 20_000; i++) {
        ctx.emit('blob', { payload });
        if (i % 200 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    });
    await postJson(`${server.url}/tasks`, { kind: 'flood', id: 'stall' });
    const slow = await stalledClient(server.url, '/tasks/stall/events');
    t.after(() => slow.destroy());
    await waitFor(() => server.handler.openStreams === 1, { what: 'the stream' });
    flood.resolve();
    await waitFor(() => server.handler.openStreams === 0, {
      timeout: 15_000,
      what: 'the server to disconnect the client',
    });
    assert.equal(coordinator.stats().subscribers, 0);
  });
});
