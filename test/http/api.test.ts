// The JSON routes over real HTTP (fetch): start, read, list with a cursor, cancel, probes, and
// every kind of bad input the contract names, each answered with its status and error code.

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import { waitFor } from '../helpers.js';
import { errorOf, postJson, testCoordinator, testServer } from './helpers.js';

describe('POST /tasks', () => {
  test('starts a task: 201 with its record and Location', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator);
    const res = await postJson(`${server.url}/tasks`, {
      kind: 'echo',
      input: { a: 1 },
      id: 'job-1',
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('location'), '/tasks/job-1');
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    const record = (await res.json()) as { id: string; kind: string; input: unknown };
    assert.equal(record.id, 'job-1');
    assert.equal(record.kind, 'echo');
    assert.deepEqual(record.input, { a: 1 });
    const read = await fetch(`${server.url}/tasks/job-1`);
    assert.equal(read.status, 200);
    const info = await coordinator.get('job-1');
    assert.equal(info?.kind, 'echo');
  });

  test('an id is made when none is given, and input defaults to null', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator);
    const res = await postJson(`${server.url}/tasks`, { kind: 'echo' });
    assert.equal(res.status, 201);
    const record = (await res.json()) as { id: string; input: unknown };
    assert.match(record.id, /^[0-9a-f-]{36}$/);
    assert.equal(record.input, null);
    assert.equal(res.headers.get('location'), `/tasks/${record.id}`);
  });

  test('bad bodies are 400, 404, 409, 413 and 415 with their codes', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator, { maxBodyBytes: 1_000 });
    const url = `${server.url}/tasks`;
    const raw = (body: string, contentType = 'application/json') =>
      fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
    const cases: Array<[string, Promise<Response>, number, string]> = [
      ['malformed JSON', raw('{"kind":'), 400, 'WARDEN_ERR_BAD_REQUEST'],
      ['not an object', raw('[1,2]'), 400, 'WARDEN_ERR_BAD_REQUEST'],
      ['no body', raw(''), 400, 'WARDEN_ERR_BAD_REQUEST'],
      ['no kind', postJson(url, { input: 1 }), 400, 'WARDEN_ERR_BAD_REQUEST'],
      ['kind not a string', postJson(url, { kind: 7 }), 400, 'WARDEN_ERR_BAD_REQUEST'],
      ['bad id', postJson(url, { kind: 'echo', id: '../x' }), 400, 'WARDEN_ERR_BAD_REQUEST'],
      ['id not a string', postJson(url, { kind: 'echo', id: 5 }), 400, 'WARDEN_ERR_BAD_REQUEST'],
      ['bad timeout', postJson(url, { kind: 'echo', timeout: -1 }), 400, 'WARDEN_ERR_BAD_REQUEST'],
      ['unknown kind', postJson(url, { kind: 'nope' }), 404, 'WARDEN_ERR_UNKNOWN_TASK_TYPE'],
      [
        'wrong content type',
        raw('{"kind":"echo"}', 'text/plain'),
        415,
        'WARDEN_ERR_UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        'too large',
        postJson(url, { kind: 'echo', input: 'x'.repeat(2_000) }),
        413,
        'WARDEN_ERR_REQUEST_TOO_LARGE',
      ],
    ];
    for (const [what, response, status, code] of cases) {
      const res = await response;
      assert.deepEqual(await errorOf(res), { status, code }, what);
    }
    // An id is a duplicate while its task is live.
    await postJson(url, { kind: 'gate', id: 'twice' });
    const again = await postJson(url, { kind: 'gate', id: 'twice' });
    assert.deepEqual(await errorOf(again), { status: 409, code: 'WARDEN_ERR_DUPLICATE_TASK_ID' });
    const tooDeep = await postJson(url, { kind: 'echo', input: nest(120) });
    assert.deepEqual(await errorOf(tooDeep), { status: 400, code: 'WARDEN_ERR_INVALID_PAYLOAD' });
  });

  test('bytes that are not UTF-8 are a 400', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator);
    const body = Buffer.concat([
      Buffer.from('{"kind":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}'),
    ]);
    const res = await fetch(`${server.url}/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    assert.deepEqual(await errorOf(res), { status: 400, code: 'WARDEN_ERR_BAD_REQUEST' });
  });

  test('a huge upload is refused at the limit, its connection closed, the server unaffected', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator, { maxBodyBytes: 64 * 1024 });
    // A chunked upload (no Content-Length) that would go on for 64 MiB: the server must answer
    // 413 after reading about 64 KiB and close, rather than read the rest.
    const { status, bytesSent, closed } = await new Promise<{
      status: number;
      bytesSent: number;
      closed: boolean;
    }>((resolve, reject) => {
      const req = request(`${server.url}/tasks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      });
      let sent = 0;
      let answered: number | undefined;
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = (): void => {
        while (sent < 64 * 1024 * 1024 && answered === undefined) {
          sent += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
      };
      req.on('response', (res) => {
        answered = res.statusCode;
        res.resume();
        res.on('end', () => {
          resolve({
            status: answered ?? 0,
            bytesSent: sent,
            closed: res.headers.connection === 'close',
          });
          req.destroy();
        });
      });
      req.on('error', (error) => {
        if (answered !== undefined) return;
        reject(error);
      });
      pump();
    });
    assert.equal(status, 413);
    assert.ok(closed, 'the 413 says Connection: close');
    assert.ok(
      bytesSent < 32 * 1024 * 1024,
      `the client was stopped early (sent ${bytesSent} bytes)`,
    );
    const after = await postJson(`${server.url}/tasks`, { kind: 'echo', input: 'fine' });
    assert.equal(after.status, 201);
  });

  test('a declared Content-Length over the limit is refused without reading', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator, { maxBodyBytes: 100 });
    const res = await postJson(`${server.url}/tasks`, { kind: 'echo', input: 'y'.repeat(500) });
    assert.deepEqual(await errorOf(res), { status: 413, code: 'WARDEN_ERR_REQUEST_TOO_LARGE' });
    assert.equal(res.headers.get('connection'), 'close');
  });

  test('a full queue is a 429 with Retry-After', async (t) => {
    const { InProcessBackend } = await import('../../src/index.js');
    const backend = new InProcessBackend({ concurrency: 1, maxQueued: 1, runtime: false });
    const { coordinator } = testCoordinator(t, { backend, shutdownBackend: true });
    const server = await testServer(t, coordinator);
    assert.equal((await postJson(`${server.url}/tasks`, { kind: 'gate' })).status, 201);
    assert.equal((await postJson(`${server.url}/tasks`, { kind: 'gate' })).status, 201);
    const res = await postJson(`${server.url}/tasks`, { kind: 'gate' });
    assert.equal(res.headers.get('retry-after'), '1');
    assert.deepEqual(await errorOf(res), { status: 429, code: 'WARDEN_ERR_QUEUE_FULL' });
  });
});

describe('GET /tasks/:id', () => {
  test('an unknown id is 404, an invalid one 400', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator);
    assert.deepEqual(await errorOf(await fetch(`${server.url}/tasks/nope`)), {
      status: 404,
      code: 'WARDEN_ERR_UNKNOWN_TASK',
    });
    for (const bad of ['-x', '%ZZ', 'a%20b', 'x'.repeat(129)]) {
      assert.deepEqual(
        await errorOf(await fetch(`${server.url}/tasks/${bad}`)),
        { status: 400, code: 'WARDEN_ERR_BAD_REQUEST' },
        bad,
      );
    }
  });

  test('HEAD answers like GET without a body', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator);
    await postJson(`${server.url}/tasks`, { kind: 'echo', id: 'h' });
    const res = await fetch(`${server.url}/tasks/h`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(await res.text(), '');
  });
});

describe('GET /tasks', () => {
  test('pages newest first with a cursor, filtered by status and kind', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator);
    for (let i = 0; i < 7; i++)
      await postJson(`${server.url}/tasks`, { kind: 'echo', id: `t${i}` });
    await postJson(`${server.url}/tasks`, { kind: 'gate', id: 'g' });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '' : `&cursor=${cursor}`;
      const res = await fetch(`${server.url}/tasks?kind=echo&limit=3${query}`);
      assert.equal(res.status, 200);
      const page = (await res.json()) as {
        tasks: Array<{ id: string }>;
        nextCursor: string | null;
      };
      assert.ok(page.tasks.length <= 3);
      seen.push(...page.tasks.map((task) => task.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null);
    assert.deepEqual(seen, ['t6', 't5', 't4', 't3', 't2', 't1', 't0']);
    assert.equal(pages, 3);
    await waitFor(() => coordinator.stats().running === 1, { what: 'the gate task to run' });
    const running = (await (await fetch(`${server.url}/tasks?status=running,queued`)).json()) as {
      tasks: Array<{ id: string }>;
      nextCursor: null;
    };
    assert.deepEqual(
      running.tasks.map((task) => task.id),
      ['g'],
    );
    assert.equal(running.nextCursor, null);
    const all = (await (await fetch(`${server.url}/tasks`)).json()) as { tasks: unknown[] };
    assert.equal(all.tasks.length, 8);
  });

  test('bad query parameters are 400', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator);
    for (const query of [
      'limit=0',
      'limit=501',
      'limit=abc',
      'limit=1.5',
      'status=done',
      'cursor=-bad',
    ]) {
      assert.deepEqual(
        await errorOf(await fetch(`${server.url}/tasks?${query}`)),
        { status: 400, code: 'WARDEN_ERR_BAD_REQUEST' },
        query,
      );
    }
  });
});

describe('POST /tasks/:id/cancel', () => {
  test('true for a live task, then false; the record says cancelled', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator);
    await postJson(`${server.url}/tasks`, { kind: 'gate', id: 'c1' });
    const first = await postJson(`${server.url}/tasks/c1/cancel`, { reason: 'no longer needed' });
    assert.equal(first.status, 200);
    const body = (await first.json()) as { cancelled: boolean; task: { id: string } };
    assert.equal(body.cancelled, true);
    assert.equal(body.task.id, 'c1');
    await waitFor(() => coordinator.stats().running === 0, { what: 'the task to end' });
    // Without a body this time.
    const second = await fetch(`${server.url}/tasks/c1/cancel`, { method: 'POST' });
    const again = (await second.json()) as {
      cancelled: boolean;
      task: { status: string; cancelReason: { message: string } };
    };
    assert.equal(again.cancelled, false);
    assert.equal(again.task.status, 'cancelled');
    assert.equal(again.task.cancelReason.message, 'no longer needed');
  });

  test('unknown id 404, invalid id 400, bad body 400', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator);
    assert.deepEqual(await errorOf(await postJson(`${server.url}/tasks/ghost/cancel`, {})), {
      status: 404,
      code: 'WARDEN_ERR_UNKNOWN_TASK',
    });
    assert.deepEqual(await errorOf(await postJson(`${server.url}/tasks/_x/cancel`, {})), {
      status: 400,
      code: 'WARDEN_ERR_BAD_REQUEST',
    });
    await postJson(`${server.url}/tasks`, { kind: 'gate', id: 'c2' });
    assert.deepEqual(
      await errorOf(await postJson(`${server.url}/tasks/c2/cancel`, { reason: 3 })),
      {
        status: 400,
        code: 'WARDEN_ERR_BAD_REQUEST',
      },
    );
  });
});

describe('routing', () => {
  test('an unknown route is 404, a wrong method 405 with Allow', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator);
    assert.deepEqual(await errorOf(await fetch(`${server.url}/nope`)), {
      status: 404,
      code: 'WARDEN_ERR_ROUTE_NOT_FOUND',
    });
    assert.deepEqual(await errorOf(await fetch(`${server.url}/tasks/a/b/c`)), {
      status: 404,
      code: 'WARDEN_ERR_ROUTE_NOT_FOUND',
    });
    const cases: Array<[string, string, string]> = [
      ['DELETE', '/tasks', 'GET, HEAD, POST'],
      ['PUT', '/tasks/x', 'GET, HEAD'],
      ['GET', '/tasks/x/cancel', 'POST'],
      ['POST', '/tasks/x/events', 'GET, HEAD'],
      ['POST', '/healthz', 'GET, HEAD'],
      ['OPTIONS', '/tasks', 'GET, HEAD, POST'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await fetch(`${server.url}${path}`, { method });
      assert.equal(res.headers.get('allow'), allow, `${method} ${path}`);
      assert.deepEqual(
        await errorOf(res),
        { status: 405, code: 'WARDEN_ERR_METHOD_NOT_ALLOWED' },
        `${method} ${path}`,
      );
    }
  });

  test('a 500 says nothing and is logged with its stack', async (t) => {
    const { captureLogger } = await import('../helpers.js');
    const { coordinator } = testCoordinator(t);
    const { logger, entries } = captureLogger();
    const server = await testServer(t, coordinator, { logger });
    const boom = new Error('database exploded');
    t.mock.method(coordinator, 'get', () => Promise.reject(boom));
    const res = await fetch(`${server.url}/tasks/x`);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(res.status, 500);
    assert.equal(body.error.code, 'WARDEN_ERR_INTERNAL');
    assert.doesNotMatch(body.error.message, /exploded/);
    const logged = entries.find((entry) => entry.level === 'error');
    assert.equal(logged?.fields.err, boom, 'the error itself is logged, with its stack');
  });
});

describe('probes and metrics', () => {
  test('healthz and readyz are 200 until close(), then readyz is 503', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator);
    const health = await fetch(`${server.url}/healthz`);
    assert.deepEqual([health.status, await health.json()], [200, { status: 'ok' }]);
    const ready = await fetch(`${server.url}/readyz`);
    assert.deepEqual([ready.status, await ready.json()], [200, { status: 'ready' }]);
    assert.equal((await fetch(`${server.url}/readyz`, { method: 'HEAD' })).status, 200);
    await server.handler.close();
    const notReady = await fetch(`${server.url}/readyz`);
    assert.deepEqual([notReady.status, await notReady.json()], [503, { status: 'shutting-down' }]);
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  });

  test('metrics are Prometheus text; metrics: false serves no /metrics', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator);
    await postJson(`${server.url}/tasks`, { kind: 'echo' });
    const res = await fetch(`${server.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await res.text();
    assert.match(text, /warden_tasks_started_total\{kind="echo"\} 1/);
    assert.match(text, /warden_sse_streams 0/);
    const without = await testServer(t, coordinator, { metrics: false });
    assert.deepEqual(await errorOf(await fetch(`${without.url}/metrics`)), {
      status: 404,
      code: 'WARDEN_ERR_ROUTE_NOT_FOUND',
    });
  });
});

/** `{ a: { a: … } }` `depth` levels deep (deeper than a payload may be). */
function nest(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}
