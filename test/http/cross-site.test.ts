// The cross-site check, over raw HTTP with the headers browsers send: a form post or fetch from
// another origin (Origin, Sec-Fetch-Site) is a 403 and changes nothing; a body-less form post
// without them is a 415; this server's own pages, the cors origins, top-level navigations and
// clients that are not browsers pass.

import assert from 'node:assert/strict';
import { describe, type TestContext, test } from 'node:test';
import type { WardenServer } from '../../src/http/index.js';
import type { TaskCoordinator } from '../../src/index.js';
import { within } from '../helpers.js';
import { type RawResponse, rawError, rawRequest } from './fixtures/raw-http.js';
import { postJson, testCoordinator, testServer } from './helpers.js';

interface Sent {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** Send `sent` to `server` with its own Host, and these headers exactly. */
function send(t: TestContext, server: WardenServer, sent: Sent): Promise<RawResponse> {
  const { method = 'POST', path, headers = {}, body = '' } = sent;
  const lines = [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1:${server.port}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (method !== 'GET') lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  lines.push('Connection: close');
  return rawRequest(t, server.url, `${lines.join('\r\n')}\r\n\r\n${body}`);
}

/** A server with task `g` running (it waits for its cancellation). */
async function withRunningTask(t: TestContext, options = {}) {
  const { coordinator } = testCoordinator(t);
  const server = await testServer(t, coordinator, options);
  await coordinator.start('gate', null, { id: 'g' });
  await untilEvent(coordinator, 'g', 'waiting');
  return { coordinator, server };
}

/** Resolve once task `id` has had an event of `type` (its history included). */
async function untilEvent(coordinator: TaskCoordinator, id: string, type: string): Promise<void> {
  const reached = (async () => {
    for await (const event of coordinator.subscribe(id)) if (event.type === type) return;
    throw new Error(`task ${id} ended without a ${type} event`);
  })();
  await within(reached, { what: `the ${type} event of ${id}` });
}

async function statusOf(coordinator: TaskCoordinator, id: string): Promise<string | undefined> {
  return (await coordinator.get(id))?.status;
}

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const EVIL = 'http://evil.test';

describe('requests from pages of other origins', () => {
  test('a cross-site form post, fetch or beacon cannot cancel or start a task', async (t) => {
    const { coordinator, server } = await withRunningTask(t);
    const sameSite = `http://127.0.0.1:${server.port + 1}`;
    const refused: Array<[string, Sent]> = [
      [
        'form post, cross-site',
        {
          path: '/tasks/g/cancel',
          headers: {
            ...FORM,
            Origin: EVIL,
            'Sec-Fetch-Site': 'cross-site',
            'Sec-Fetch-Mode': 'navigate',
          },
        },
      ],
      [
        'fetch from another port of this host (same-site)',
        {
          path: '/tasks/g/cancel',
          headers: { Origin: sameSite, 'Sec-Fetch-Site': 'same-site', 'Sec-Fetch-Mode': 'no-cors' },
        },
      ],
      [
        'a browser without Sec-Fetch-Site: Origin alone',
        { path: '/tasks/g/cancel', headers: { Origin: EVIL } },
      ],
      [
        'Origin: null (a sandboxed frame)',
        { path: '/tasks/g/cancel', headers: { Origin: 'null' } },
      ],
      ['Origin of another port', { path: '/tasks/g/cancel', headers: { Origin: sameSite } }],
      [
        'Sec-Fetch-Site without Origin',
        { path: '/tasks/g/cancel', headers: { 'Sec-Fetch-Site': 'cross-site' } },
      ],
      [
        'an unknown Sec-Fetch-Site',
        { path: '/tasks/g/cancel', headers: { 'Sec-Fetch-Site': 'cross-origin' } },
      ],
      [
        'text/plain JSON, no preflight',
        {
          path: '/tasks',
          headers: { 'Content-Type': 'text/plain', Origin: EVIL, 'Sec-Fetch-Site': 'cross-site' },
          body: '{"kind":"echo"}',
        },
      ],
    ];
    for (const [what, sent] of refused) {
      const answer = await send(t, server, sent);
      assert.deepEqual(
        rawError(answer),
        { status: 403, code: 'WARDEN_ERR_CROSS_SITE_REQUEST' },
        what,
      );
    }
    assert.equal(await statusOf(coordinator, 'g'), 'running');
    assert.equal((await coordinator.list()).length, 1, 'no task was started');
  });

  test('a body-less post with a form content type is a 415, whoever sends it', async (t) => {
    const { coordinator, server } = await withRunningTask(t);
    for (const type of [
      'application/x-www-form-urlencoded',
      'text/plain',
      'multipart/form-data; boundary=x',
    ]) {
      const answer = await send(t, server, {
        path: '/tasks/g/cancel',
        headers: { 'Content-Type': type },
      });
      assert.deepEqual(
        rawError(answer),
        { status: 415, code: 'WARDEN_ERR_UNSUPPORTED_MEDIA_TYPE' },
        type,
      );
    }
    assert.equal(await statusOf(coordinator, 'g'), 'running');
    // No content type, or JSON's, with no body: a cancel without a reason.
    const bare = await send(t, server, {
      path: '/tasks/g/cancel',
      headers: { 'Content-Type': 'application/json' },
    });
    assert.equal(bare.status, 200);
    assert.equal(JSON.parse(bare.body).cancelled, true);
  });

  test('reads from other sites are refused too, except a top-level navigation', async (t) => {
    const { server } = await withRunningTask(t);
    const refused: Array<[string, Sent]> = [
      [
        'fetch, cors mode',
        {
          method: 'GET',
          path: '/tasks',
          headers: { Origin: EVIL, 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'cors' },
        },
      ],
      [
        'EventSource',
        {
          method: 'GET',
          path: '/tasks/g/events',
          headers: {
            Origin: EVIL,
            'Sec-Fetch-Site': 'cross-site',
            'Sec-Fetch-Mode': 'cors',
            'Sec-Fetch-Dest': 'empty',
          },
        },
      ],
      [
        '<img>, no-cors',
        {
          method: 'GET',
          path: '/tasks/g',
          headers: {
            'Sec-Fetch-Site': 'cross-site',
            'Sec-Fetch-Mode': 'no-cors',
            'Sec-Fetch-Dest': 'image',
          },
        },
      ],
      [
        '<iframe>',
        {
          method: 'GET',
          path: '/',
          headers: {
            'Sec-Fetch-Site': 'cross-site',
            'Sec-Fetch-Mode': 'navigate',
            'Sec-Fetch-Dest': 'iframe',
          },
        },
      ],
      [
        '<script>',
        {
          method: 'GET',
          path: '/dashboard/app.js',
          headers: {
            'Sec-Fetch-Site': 'same-site',
            'Sec-Fetch-Mode': 'no-cors',
            'Sec-Fetch-Dest': 'script',
          },
        },
      ],
      [
        'an old browser: Origin alone',
        { method: 'GET', path: '/tasks', headers: { Origin: EVIL } },
      ],
    ];
    for (const [what, sent] of refused) {
      const answer = await send(t, server, sent);
      assert.deepEqual(
        rawError(answer),
        { status: 403, code: 'WARDEN_ERR_CROSS_SITE_REQUEST' },
        what,
      );
    }
    assert.equal(server.handler.openStreams, 0, 'the refused EventSource subscribed to nothing');
    const navigation = {
      'Sec-Fetch-Site': 'cross-site',
      'Sec-Fetch-Mode': 'navigate',
      'Sec-Fetch-Dest': 'document',
    };
    for (const path of ['/', '/tasks/g']) {
      const answer = await send(t, server, { method: 'GET', path, headers: navigation });
      assert.equal(answer.status, 200, `a link followed to ${path}`);
    }
  });

  test("this server's own pages, typed URLs and clients that are not browsers pass", async (t) => {
    const { coordinator, server } = await withRunningTask(t);
    const own = `http://127.0.0.1:${server.port}`;
    const json = { 'Content-Type': 'application/json' };
    const allowed: Array<[string, Record<string, string>]> = [
      ['Sec-Fetch-Site: same-origin', { ...json, Origin: own, 'Sec-Fetch-Site': 'same-origin' }],
      [
        'same-origin wins over an Origin a proxy made differ',
        { ...json, Origin: 'https://warden.example', 'Sec-Fetch-Site': 'same-origin' },
      ],
      ['Sec-Fetch-Site: none (typed by the user)', { ...json, 'Sec-Fetch-Site': 'none' }],
      ['Origin equal to Host', { ...json, Origin: own }],
      ['neither header (curl, the CLI)', json],
    ];
    for (const [what, headers] of allowed) {
      const answer = await send(t, server, { path: '/tasks', headers, body: '{"kind":"echo"}' });
      assert.equal(answer.status, 201, what);
    }
    const cancelled = await send(t, server, {
      path: '/tasks/g/cancel',
      headers: { ...json, Origin: own, 'Sec-Fetch-Site': 'same-origin' },
      body: '{}',
    });
    assert.equal(cancelled.status, 200);
    await untilEvent(coordinator, 'g', 'cancelled');
  });

  test('the cors origins are trusted; * trusts every origin', async (t) => {
    const { coordinator, server } = await withRunningTask(t, {
      cors: { origin: 'https://ops.test' },
    });
    const from = (origin: string) => ({
      'Content-Type': 'application/json',
      Origin: origin,
      'Sec-Fetch-Site': 'cross-site',
      'Sec-Fetch-Mode': 'cors',
    });
    const body = '{"kind":"echo"}';
    const trusted = await send(t, server, {
      path: '/tasks',
      headers: from('https://ops.test'),
      body,
    });
    assert.equal(trusted.status, 201);
    assert.equal(trusted.headers['access-control-allow-origin'], 'https://ops.test');
    const other = await send(t, server, {
      path: '/tasks',
      headers: from('https://evil.test'),
      body,
    });
    assert.equal(other.status, 403);
    const open = await testServer(t, coordinator, { cors: { origin: '*' } });
    const any = await send(t, open, { path: '/tasks', headers: from('https://evil.test'), body });
    assert.equal(any.status, 201);
  });

  test('the port is part of the origin: a default port may be left out', async (t) => {
    const { server } = await withRunningTask(t);
    // A Host naming port 80 is the origin without a port.
    const answer = await rawRequest(
      t,
      server.url,
      `POST /tasks HTTP/1.1\r\nHost: localhost:80\r\nOrigin: http://localhost\r\nContent-Type: application/json\r\nContent-Length: 15\r\nConnection: close\r\n\r\n{"kind":"echo"}`,
    );
    assert.equal(answer.status, 201);
    const https = await rawRequest(
      t,
      server.url,
      `POST /tasks HTTP/1.1\r\nHost: localhost:80\r\nOrigin: https://localhost\r\nContent-Type: application/json\r\nContent-Length: 15\r\nConnection: close\r\n\r\n{"kind":"echo"}`,
    );
    assert.equal(https.status, 403, 'https://localhost is localhost:443');
    assert.equal((await postJson(`${server.url}/tasks`, { kind: 'echo' })).status, 201);
  });
});
