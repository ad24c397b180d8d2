// `warden serve --allowed-host`, in a real process on the embedded database: the name given is
// answered, any other name is a 421 (DNS rebinding), a cross-site post a 403 and a malformed
// request a 400, each with Warden's JSON error body; the server goes on and exits 0 on SIGTERM.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { rawError, rawRequest } from '../http/fixtures/raw-http.js';
import { startWarden, tempDir } from './helpers.js';

test('serve --allowed-host: that name passes, others are 421; cross-site 403, malformed 400', {
  timeout: 120_000,
}, async (t) => {
  const dir = join(tempDir(t), 'data');
  const server = startWarden([
    'serve',
    '--data-dir',
    dir,
    '--port',
    '0',
    '--allowed-host',
    'warden.test',
    '--allowed-host',
    '.ops.test',
  ]);
  t.after(() => server.stop('SIGKILL'));
  const line = await server.line(/^Warden dashboard: /);
  const url = (/^Warden dashboard: (http:\/\/127\.0\.0\.1:\d+)\/$/.exec(line) ?? [])[1];
  assert.ok(url, line);
  const port = new URL(url).port;
  const get = (host: string) => `GET /tasks HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;

  for (const host of [`warden.test:${port}`, 'a.ops.test', `127.0.0.1:${port}`, 'localhost']) {
    assert.equal((await rawRequest(t, url, get(host))).status, 200, host);
  }
  for (const host of [`rebound.example:${port}`, 'ops.test.rebound.example']) {
    const answer = await rawRequest(t, url, get(host));
    assert.deepEqual(rawError(answer), { status: 421, code: 'WARDEN_ERR_HOST_NOT_ALLOWED' }, host);
  }
  const crossSite = await rawRequest(
    t,
    url,
    `POST /tasks/x/cancel HTTP/1.1\r\nHost: warden.test\r\nOrigin: http://elsewhere.test\r\nSec-Fetch-Site: cross-site\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
  );
  assert.deepEqual(rawError(crossSite), { status: 403, code: 'WARDEN_ERR_CROSS_SITE_REQUEST' });
  const malformed = await rawRequest(t, url, 'BREW /tasks HTCPCP/1.0\r\n\r\n');
  assert.deepEqual(rawError(malformed), { status: 400, code: 'WARDEN_ERR_BAD_REQUEST' });

  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  assert.deepEqual(await server.stop('SIGTERM'), { code: 0, signal: null });
});
