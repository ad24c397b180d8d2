// What Node's parser refuses, over raw sockets: a malformed request line or header is a 400,
// oversized headers a 431, a request that does not arrive in time a 408, each with Warden's
// JSON error body and the connection closed; a connection in the middle of a response is just
// closed. `Expect: 100-continue` gets `100 Continue` only after the request passed its checks.
// After each, the server still answers.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, maxHeaderSize } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { clientErrorAnswers } from '../../src/http/internal/client-error.js';
import { within } from '../helpers.js';
import { rawConnection, rawError, rawRequest } from './fixtures/raw-http.js';
import { testCoordinator, testServer } from './helpers.js';

const TOKEN = 's3cret';

describe('malformed requests', () => {
  test('a bad request line or header is a 400 with a coded body, and the server goes on', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator);
    const host = `Host: 127.0.0.1:${server.port}`;
    const cases: Array<[string, string]> = [
      ['no method', 'garbage\r\n\r\n'],
      ['a bad method', `G(ET /tasks HTTP/1.1\r\n${host}\r\n\r\n`],
      ['a bad version', `GET /tasks HTTP/9.9\r\n${host}\r\n\r\n`],
      ['a space in the target', `GET /ta sks HTTP/1.1\r\n${host}\r\n\r\n`],
      ['a header without a colon', `GET /tasks HTTP/1.1\r\n${host}\r\nBroken\r\n\r\n`],
      ['a NUL in a header', `GET /tasks HTTP/1.1\r\n${host}\r\nX-A: a\0b\r\n\r\n`],
      [
        'Content-Length and chunked',
        `POST /tasks HTTP/1.1\r\n${host}\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n`,
      ],
      [
        'two Content-Lengths',
        `POST /tasks HTTP/1.1\r\n${host}\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}`,
      ],
    ];
    for (const [what, text] of cases) {
      const connection = await rawConnection(t, server.url);
      connection.write(text);
      const answer = await within(connection.next(), { what });
      assert.deepEqual(rawError(answer), { status: 400, code: 'WARDEN_ERR_BAD_REQUEST' }, what);
      assert.equal(answer.headers['content-type'], 'application/json; charset=utf-8');
      assert.equal(answer.headers.connection, 'close');
      await within(connection.ended, { what: `${what}: the connection to close` });
    }
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  });

  test('headers past maxHeaderSize are a 431 with a coded body', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator);
    const connection = await rawConnection(t, server.url);
    const cookie = 'c'.repeat(maxHeaderSize + 1_000);
    connection.write(`GET /tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${cookie}\r\n\r\n`);
    const answer = await connection.next();
    assert.deepEqual(rawError(answer), { status: 431, code: 'WARDEN_ERR_HEADERS_TOO_LARGE' });
    assert.match(JSON.parse(answer.body).error.message, new RegExp(String(maxHeaderSize)));
    await connection.ended;
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  });

  test('garbage after a finished response on a keep-alive connection is answered too', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator);
    const connection = await rawConnection(t, server.url);
    connection.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`);
    assert.equal((await connection.next()).status, 200);
    connection.write('not http at all\r\n\r\n');
    assert.deepEqual(rawError(await connection.next()), {
      status: 400,
      code: 'WARDEN_ERR_BAD_REQUEST',
    });
    await connection.ended;
  });

  test('garbage while a response is still going out closes the connection without a word', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator);
    await coordinator.start('gate', null, { id: 'open' });
    const connection = await rawConnection(t, server.url);
    connection.write(`GET /tasks/open/events HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`);
    await within(
      (async () => {
        while (!connection.unread.includes('event: waiting')) await once(connection.socket, 'data');
      })(),
      { what: 'the stream to start' },
    );
    connection.write('not http at all\r\n\r\n');
    await within(connection.ended, { what: 'the connection to close' });
    assert.doesNotMatch(
      connection.unread,
      /HTTP\/1\.1 400/,
      'no answer in the middle of the stream',
    );
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  });

  test('a request that does not arrive within headersTimeout is a 408 with a coded body', async (t) => {
    // Node checks its timeouts every connectionsCheckingInterval: a server of the test's own,
    // with short ones, and the listener startWardenServer installs.
    const server = createServer({
      headersTimeout: 200,
      requestTimeout: 400,
      connectionsCheckingInterval: 50,
    });
    const answers = clientErrorAnswers(() => maxHeaderSize);
    server.on('request', (req, res) => {
      answers.track(req, res);
      res.end('ok');
    });
    server.on('clientError', answers.listener);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    t.after(() => {
      server.closeAllConnections();
      server.close();
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const connection = await rawConnection(t, url);
    connection.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const answer = await within(connection.next(), { timeout: 5_000, what: 'the 408' });
    assert.deepEqual(rawError(answer), { status: 408, code: 'WARDEN_ERR_REQUEST_TIMEOUT' });
    await connection.ended;
  });
});

describe('Expect: 100-continue', () => {
  const body = '{"kind":"echo","input":1}';
  const ask = (port: number, headers: string) =>
    `POST /tasks HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n${headers}\r\n`;

  test('without the token: 401 and no 100 Continue; the body is never asked for', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator, { token: TOKEN });
    const connection = await rawConnection(t, server.url);
    connection.write(ask(server.port, ''));
    const answer = await connection.next();
    assert.deepEqual(rawError(answer), { status: 401, code: 'WARDEN_ERR_UNAUTHORIZED' });
    assert.equal(answer.headers.connection, 'close');
    await connection.ended;
    assert.deepEqual(await coordinator.list(), []);
  });

  test('a refused Host or origin gets its error, not 100 Continue', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator);
    const rebound = await rawConnection(t, server.url);
    rebound.write(ask(server.port, '').replace(/Host: [^\r]+/, 'Host: rebound.example'));
    assert.equal((await rebound.next()).status, 421);
    const crossSite = await rawConnection(t, server.url);
    crossSite.write(ask(server.port, 'Origin: http://evil.test\r\nSec-Fetch-Site: cross-site\r\n'));
    assert.equal((await crossSite.next()).status, 403);
  });

  test('with the token: 100 Continue, then the body, then 201', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator, { token: TOKEN });
    const connection = await rawConnection(t, server.url);
    connection.write(ask(server.port, `Authorization: Bearer ${TOKEN}\r\n`));
    assert.equal((await connection.next()).status, 100);
    connection.write(body);
    const created = await connection.next();
    assert.equal(created.status, 201);
    assert.equal(JSON.parse(created.body).kind, 'echo');
  });

  test('another expectation is a 400 with a coded body', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator);
    const answer = await rawRequest(
      t,
      server.url,
      `POST /tasks HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nExpect: 200-ok\r\nContent-Length: 2\r\n\r\n`,
    );
    assert.deepEqual(rawError(answer), { status: 400, code: 'WARDEN_ERR_BAD_REQUEST' });
    assert.equal(answer.headers.connection, 'close');
  });
});
