// The Host check against DNS rebinding, over raw HTTP (forged Host headers): IP addresses and
// `localhost` are answered on any port, other names only when allowed; a missing or malformed
// Host is a 400. The standalone server and a handler mounted in node:http and Express.

import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { describe, type TestContext, test } from 'node:test';
import express from 'express';
import { createWardenHandler, type WardenHandlerOptions } from '../../src/http/index.js';
import type { TaskCoordinator } from '../../src/index.js';
import { silentLogger } from '../helpers.js';
import { rawError, rawRequest } from './fixtures/raw-http.js';
import { testCoordinator, testServer } from './helpers.js';

/** `GET path` with exactly this Host line (none when `host` is undefined). */
function get(path: string, host: string | undefined, version = '1.1'): string {
  return `GET ${path} HTTP/${version}\r\n${host === undefined ? '' : `Host: ${host}\r\n`}Connection: close\r\n\r\n`;
}

async function statusFor(t: TestContext, url: string, host: string | undefined, path = '/tasks') {
  return (await rawRequest(t, url, get(path, host))).status;
}

describe('the Host check', () => {
  test('IP addresses and localhost pass on any port; other names are 421 on every route', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator);
    const { port } = server;
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      'localhost',
      `LocalHost.:${port}`,
      `[::1]:${port}`,
      '192.0.2.7:8080',
      '[2001:db8::7]',
    ]) {
      assert.equal(await statusFor(t, server.url, host), 200, host);
    }
    for (const host of [
      `rebound.example:${port}`,
      'rebound.example',
      `localhost.rebound.example:${port}`,
      // A public name that resolves to 127.0.0.1: exactly what a rebinding page looks like.
      `127.0.0.1.nip.io:${port}`,
    ]) {
      for (const path of ['/tasks', '/', '/healthz', '/tasks/x/events', '/dashboard/app.js']) {
        const answer = await rawRequest(t, server.url, get(path, host));
        assert.deepEqual(
          rawError(answer),
          { status: 421, code: 'WARDEN_ERR_HOST_NOT_ALLOWED' },
          `${host} ${path}`,
        );
      }
    }
    // A refused POST starts nothing.
    const body = '{"kind":"echo"}';
    const post = await rawRequest(
      t,
      server.url,
      `POST /tasks HTTP/1.1\r\nHost: rebound.example:${port}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    assert.deepEqual(rawError(post), { status: 421, code: 'WARDEN_ERR_HOST_NOT_ALLOWED' });
    assert.equal(post.headers.connection, 'close', 'the unread body is never read');
    assert.deepEqual(await coordinator.list(), []);
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  });

  test('a missing or malformed Host is a 400; HTTP/1.0 without Host passes', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator);
    for (const host of [undefined, '', 'a b', 'a/b', 'user@localhost', '[zz]', 'localhost:99999']) {
      const answer = await rawRequest(t, server.url, get('/tasks', host));
      assert.deepEqual(rawError(answer), { status: 400, code: 'WARDEN_ERR_BAD_REQUEST' }, host);
    }
    const old = await rawRequest(t, server.url, get('/healthz', undefined, '1.0'));
    assert.equal(old.status, 200);
  });

  test('allowedHosts adds names (a leading dot: a domain and its subdomains); * any', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator, {
      allowedHosts: ['warden.test', '.ops.test'],
    });
    for (const host of ['warden.test:7780', 'WARDEN.TEST', 'ops.test', 'a.b.ops.test:443']) {
      assert.equal(await statusFor(t, server.url, host), 200, host);
    }
    for (const host of ['evil.test', 'xops.test', 'warden.test.evil.test', 'localhost.test']) {
      assert.equal(await statusFor(t, server.url, host), 421, host);
    }
    const open = await testServer(t, coordinator, { allowedHosts: '*' });
    assert.equal(await statusFor(t, open.url, 'rebound.example'), 200);
    assert.equal(await statusFor(t, open.url, undefined), 400, 'HTTP/1.1 still needs a Host');
  });

  test('the server answers to the name it was told to listen on', async (t) => {
    const name = hostname();
    const resolved = await lookup(name).catch(() => undefined);
    if (resolved === undefined || !resolved.address.startsWith('127.')) {
      t.skip(`${name} does not resolve to a loopback address here`);
      return;
    }
    const { coordinator } = testCoordinator(t);
    // A name is not known to be loopback, so it takes a token (the probes need none).
    const server = await testServer(t, coordinator, { host: name, token: 'secret' });
    assert.equal(await statusFor(t, server.url, `${name}:${server.port}`, '/healthz'), 200);
    assert.equal(await statusFor(t, server.url, `not-${name}:${server.port}`, '/healthz'), 421);
  });
});

async function listen(t: TestContext, server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function handlerFor(t: TestContext, coordinator: TaskCoordinator, options: WardenHandlerOptions) {
  const handler = createWardenHandler(coordinator, {
    runtime: false,
    logger: silentLogger,
    ...options,
  });
  t.after(() => handler.close());
  return handler;
}

describe('the Host check of a mounted handler', () => {
  test('node:http: loopback names and addresses only, unless allowedHosts says', async (t) => {
    const { coordinator } = testCoordinator(t);
    const strict = handlerFor(t, coordinator, {});
    const url = await listen(
      t,
      createServer((req, res) => strict(req, res)),
    );
    assert.equal(await statusFor(t, url, 'localhost'), 200);
    assert.equal(await statusFor(t, url, 'app.test'), 421);
    const configured = handlerFor(t, coordinator, { allowedHosts: ['app.test'] });
    const other = await listen(
      t,
      createServer((req, res) => configured(req, res)),
    );
    assert.equal(await statusFor(t, other, 'app.test'), 200);
    assert.equal(await statusFor(t, other, 'evil.test'), 421);
  });

  test("Express: the API's paths are checked; the app's own paths are left to it", async (t) => {
    const { coordinator } = testCoordinator(t);
    const handler = handlerFor(t, coordinator, {});
    const app = express();
    app.use('/warden', handler);
    app.get('/hello', (_req, res) => {
      res.send('hello');
    });
    const url = await listen(t, createServer(app));
    assert.equal(await statusFor(t, url, 'app.test', '/warden/tasks'), 421);
    assert.equal(await statusFor(t, url, 'app.test', '/warden/'), 421);
    assert.equal(await statusFor(t, url, 'app.test', '/hello'), 200);
    // A path under the mount that the API does not serve goes on to Express (its 404).
    const notOurs = await rawRequest(t, url, get('/warden/not-ours', 'app.test'));
    assert.equal(notOurs.status, 404);
    assert.match(notOurs.headers['content-type'] ?? '', /^text\/html/);
  });
});
