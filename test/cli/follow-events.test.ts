// The CLI's SSE client against a real HTTP server that misbehaves on purpose: it drops the
// connection mid-stream (the client resumes with Last-Event-ID and yields nothing twice),
// answers with an error (the server's code and message), or goes away for good (the client
// gives up after its reconnect window).

import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ServerUnreachableError } from '../../src/cli/errors.js';
import { followEvents } from '../../src/cli/follow-events.js';
import { WardenClient } from '../../src/cli/http-client.js';
import { ServerResponseError } from '../../src/cli/server-error.js';
import type { TaskEvent } from '../../src/index.js';
import { rejectionOf, within } from '../helpers.js';

type Handler = (req: IncomingMessage, res: ServerResponse, connection: number) => void;

async function sseServer(
  t: { after(fn: () => unknown): void },
  handler: Handler,
): Promise<{ url: string; requests: IncomingMessage[] }> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    handler(req, res, requests.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

function frame(seq: number, type: string, data: unknown = {}): string {
  const event = { taskId: 't1', seq, type, data, time: 1_700_000_000_000 + seq };
  return `id: ${seq}\nevent: ${type}\ndata: ${JSON.stringify(event)}\n\n`;
}

function open(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write('retry: 20\n\n');
}

async function collect(client: WardenClient, options = {}): Promise<TaskEvent[]> {
  const events: TaskEvent[] = [];
  await within(
    (async () => {
      for await (const event of followEvents(client, 't1', options)) events.push(event);
    })(),
    { timeout: 10_000, what: 'the stream to end' },
  );
  return events;
}

test('a dropped stream resumes with Last-Event-ID; replayed events are not yielded twice', async (t) => {
  const { url, requests } = await sseServer(t, (_req, res, connection) => {
    open(res);
    if (connection === 1) {
      res.write(frame(1, 'started'));
      res.write(frame(2, 'tick', { n: 1 }));
      // Cut the connection without ending the stream properly.
      setImmediate(() => res.socket?.destroy());
    } else if (connection === 2) {
      // A server may replay from an older point: the client skips what it has.
      res.write(frame(2, 'tick', { n: 1 }));
      res.write(frame(3, 'overflow', { lastEventId: 3 }));
      res.end();
    } else {
      res.write(frame(3, 'progress', { value: 0.5 }));
      res.write(frame(4, 'completed', { result: 42 }));
      res.write(frame(5, 'never-read'));
    }
  });
  let reconnecting = 0;
  const events = await collect(new WardenClient({ url, token: 'sesame' }), {
    onReconnecting: () => reconnecting++,
  });
  assert.deepEqual(
    events.map((event) => [event.seq, event.type]),
    [
      [1, 'started'],
      [2, 'tick'],
      [3, 'overflow'],
      [3, 'progress'],
      [4, 'completed'],
    ],
  );
  assert.equal(requests.length, 3);
  assert.deepEqual(
    requests.map((req) => [req.url, req.headers['last-event-id'], req.headers.authorization]),
    [
      ['/tasks/t1/events', undefined, 'Bearer sesame'],
      ['/tasks/t1/events', '2', 'Bearer sesame'],
      ['/tasks/t1/events', '3', 'Bearer sesame'],
    ],
  );
  assert.equal(reconnecting, 2);
});

test('lastEventId starts the stream after that event', async (t) => {
  const { url, requests } = await sseServer(t, (_req, res) => {
    open(res);
    res.write(frame(5, 'completed', { result: null }));
  });
  const events = await collect(new WardenClient({ url, token: undefined }), { lastEventId: 4 });
  assert.deepEqual(
    events.map((event) => event.seq),
    [5],
  );
  assert.equal(requests[0]?.url, '/tasks/t1/events?lastEventId=4');
  assert.equal(requests[0]?.headers.authorization, undefined);
});

test("an error answer is the server's code and message", async (t) => {
  const { url } = await sseServer(t, (_req, res) => {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'WARDEN_ERR_UNKNOWN_TASK', message: 'no task t1' } }));
  });
  const error = await rejectionOf(collect(new WardenClient({ url, token: undefined })));
  assert.ok(error instanceof ServerResponseError, String(error));
  assert.equal(error.status, 404);
  assert.equal(error.code, 'WARDEN_ERR_UNKNOWN_TASK');
  assert.equal(error.message, 'no task t1');
});

test('a server that goes away for good: ServerUnreachableError after the reconnect window', async (t) => {
  let close: (() => void) | undefined;
  const { url } = await sseServer(t, (_req, res, connection) => {
    if (connection > 1) {
      res.socket?.destroy();
      return;
    }
    open(res);
    res.write(frame(1, 'started'));
    close = () => res.socket?.destroy();
  });
  const client = new WardenClient({ url, token: undefined });
  const events: TaskEvent[] = [];
  const done = (async () => {
    for await (const event of followEvents(client, 't1', { reconnectWindow: 200 })) {
      events.push(event);
      close?.();
    }
  })();
  const error = await within(rejectionOf(done), { timeout: 10_000, what: 'the client to give up' });
  assert.ok(error instanceof ServerUnreachableError, String(error));
  assert.equal(error.url, url);
  assert.deepEqual(
    events.map((event) => event.type),
    ['started'],
  );
});
