// The bearer token (every route but the probes and the dashboard's files), the refusal to listen
// beyond loopback without one, and CORS for configured origins.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startWardenServer, TokenRequiredError } from '../../src/http/index.js';
import { rejectionOf, silentLogger } from '../helpers.js';
import { errorOf, postJson, readEvents, testCoordinator, testServer } from './helpers.js';

const TOKEN = 's3cret-token';
const bearer = { authorization: `Bearer ${TOKEN}` };

describe('bearer token', () => {
  test('missing or wrong is 401 with a Bearer challenge; the right one passes', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator, { token: TOKEN });
    const missing = await fetch(`${server.url}/tasks`);
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer realm="warden"');
    assert.deepEqual(await errorOf(missing), { status: 401, code: 'WARDEN_ERR_UNAUTHORIZED' });
    for (const authorization of [
      'Bearer wrong',
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      'Bearer ',
      `Basic ${TOKEN}`,
      TOKEN,
    ]) {
      const res = await fetch(`${server.url}/tasks`, { headers: { authorization } });
      assert.deepEqual(
        await errorOf(res),
        { status: 401, code: 'WARDEN_ERR_UNAUTHORIZED' },
        authorization,
      );
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm="warden"/);
    }
    const wrong = await fetch(`${server.url}/tasks`, { headers: { authorization: 'Bearer no' } });
    assert.equal(
      wrong.headers.get('www-authenticate'),
      'Bearer realm="warden", error="invalid_token"',
    );
    assert.equal((await fetch(`${server.url}/tasks`, { headers: bearer })).status, 200);
    assert.equal(
      (await fetch(`${server.url}/tasks`, { headers: { authorization: `bearer  ${TOKEN}` } }))
        .status,
      200,
      'the scheme is case-insensitive',
    );
    const created = await postJson(`${server.url}/tasks`, { kind: 'echo', id: 'e' }, bearer);
    assert.equal(created.status, 201);
    for (const path of ['/tasks/e', '/metrics']) {
      assert.equal((await fetch(`${server.url}${path}`)).status, 401, path);
      assert.equal((await fetch(`${server.url}${path}`, { headers: bearer })).status, 200, path);
    }
    assert.equal((await postJson(`${server.url}/tasks/e/cancel`, {})).status, 401);
    assert.equal((await postJson(`${server.url}/tasks`, { kind: 'echo' })).status, 401);
  });

  test('probes and the dashboard page need no token', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator, { token: TOKEN });
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
    const page = await fetch(`${server.url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  });

  test('the event stream also takes it as access_token; other routes do not', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator, { token: TOKEN });
    await postJson(`${server.url}/tasks`, { kind: 'echo', id: 'q', input: 1 }, bearer);
    assert.equal((await fetch(`${server.url}/tasks/q/events`)).status, 401);
    const wrong = await fetch(`${server.url}/tasks/q/events?access_token=nope`);
    assert.equal(wrong.status, 401);
    const events = await readEvents(
      await fetch(`${server.url}/tasks/q/events?access_token=${encodeURIComponent(TOKEN)}`),
    );
    assert.equal(events.at(-1)?.event, 'completed');
    assert.equal((await fetch(`${server.url}/tasks/q?access_token=${TOKEN}`)).status, 401);
  });

  test('listening beyond loopback requires a token, before anything listens', async (t) => {
    const { coordinator } = testCoordinator(t);
    for (const host of ['0.0.0.0', '::', '192.0.2.1', 'example.com']) {
      const error = await rejectionOf(
        startWardenServer({ coordinator, host, port: 0, runtime: false, logger: silentLogger }),
      );
      assert.ok(error instanceof TokenRequiredError, host);
      assert.equal(error.host, host);
    }
    for (const host of ['127.0.0.1', 'localhost', '::1']) {
      const server = await testServer(t, coordinator, { host });
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200, host);
    }
    const open = await testServer(t, coordinator, { host: '0.0.0.0', token: TOKEN });
    assert.equal(open.host, '0.0.0.0');
    const url = `http://127.0.0.1:${open.port}`;
    assert.equal((await fetch(`${url}/tasks`)).status, 401);
    assert.equal((await fetch(`${url}/tasks`, { headers: bearer })).status, 200);
  });
});

describe('CORS', () => {
  test('configured origins get CORS headers and preflight answers; others get none', async (t) => {
    const { coordinator } = testCoordinator(t);
    const origin = 'https://ops.example.com';
    const server = await testServer(t, coordinator, { cors: { origin: [origin] }, token: TOKEN });
    const preflight = await fetch(`${server.url}/tasks`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), origin);
    assert.equal(preflight.headers.get('access-control-allow-methods'), 'GET, HEAD, POST, OPTIONS');
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    const simple = await fetch(`${server.url}/tasks`, { headers: { origin, ...bearer } });
    assert.equal(simple.status, 200);
    assert.equal(simple.headers.get('access-control-allow-origin'), origin);
    assert.equal(simple.headers.get('vary'), 'Origin');
    const stranger = await fetch(`${server.url}/tasks`, {
      headers: { origin: 'https://evil.example', ...bearer },
    });
    assert.equal(stranger.headers.get('access-control-allow-origin'), null);
    const strangerPreflight = await fetch(`${server.url}/tasks`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(strangerPreflight.headers.get('access-control-allow-origin'), null);
  });

  test('without cors, OPTIONS is 405 and no CORS header is sent', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator);
    const res = await fetch(`${server.url}/tasks`, {
      method: 'OPTIONS',
      headers: { origin: 'https://ops.example.com', 'access-control-request-method': 'GET' },
    });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  });
});
