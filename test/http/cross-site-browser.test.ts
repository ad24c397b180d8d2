// The same-origin checks against a real Chromium: a page served by a second local server (a
// site of its own) tries to start and cancel tasks with fetch and with forms, and to follow a
// task with EventSource; a page whose name is rebound to 127.0.0.1 (DNS rebinding, played by
// Chromium's host resolver rules) calls the API as its own origin. Every attempt is refused and
// changes nothing, while the dashboard that Warden serves itself still starts, follows and
// cancels tasks.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, type TestContext, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startWardenServer, type WardenServer } from '../../src/http/index.js';
import { TaskCoordinator } from '../../src/index.js';
import { silentLogger, within } from '../helpers.js';
import { launchChromium } from './fixtures/dashboard-browser.js';

/** The name the rebinding page is served under; Chromium resolves it to 127.0.0.1. */
const REBOUND = 'rebound.test';

let browser: Browser;
let coordinator: TaskCoordinator;
let warden: WardenServer;
/** The other site: one blank page, whose scripts the tests write. */
let elsewhere: Server;
let elsewherePort: number;
/** Every answer Warden gave, as the server saw it: `METHOD path status`. */
const answered: string[] = [];

before(async () => {
  browser = await launchChromium([
    `--host-resolver-rules=MAP ${REBOUND} 127.0.0.1`,
    // Chromium's Private Network Access would stop the rebound page itself (a public page
    // calling loopback); other browsers have no such check, and Warden must not rely on it.
    '--disable-features=PrivateNetworkAccessSendPreflights,PrivateNetworkAccessRespectPreflightResults,BlockInsecurePrivateNetworkRequests,LocalNetworkAccessChecks',
  ]);
  coordinator = new TaskCoordinator({ logger: silentLogger, runtime: false });
  coordinator.define('held', async (ctx) => {
    ctx.emit('waiting', {});
    await ctx.token.cancelled();
    ctx.token.throwIfCancelled();
  });
  coordinator.define('echo', (ctx) => ctx.input);
  warden = await startWardenServer({ coordinator, port: 0, runtime: false, logger: silentLogger });
  // Watches, changes nothing: Warden's own listener answers the request.
  warden.server.on('request', (req, res) => {
    res.once('finish', () => answered.push(`${req.method} ${req.url} ${res.statusCode}`));
  });
  elsewhere = createServer((_req, res) => {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end('<!doctype html><title>elsewhere</title><body></body>');
  });
  elsewhere.listen(0, '127.0.0.1');
  await once(elsewhere, 'listening');
  elsewherePort = (elsewhere.address() as AddressInfo).port;
});

after(async () => {
  await browser?.close();
  elsewhere?.closeAllConnections();
  elsewhere?.close();
  await warden?.close({ timeout: 2_000 });
  await coordinator?.shutdown({ timeout: 2_000 });
});

/** A page of the other site: `localhost` is cross-site to 127.0.0.1, another port same-site. */
async function pageElsewhere(t: TestContext, host: 'localhost' | '127.0.0.1'): Promise<Page> {
  const context = await browser.newContext();
  t.after(() => context.close());
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`http://${host}:${elsewherePort}/`);
  return page;
}

/** A task that runs until cancelled, started directly on the coordinator. */
async function heldTask(id: string): Promise<void> {
  await coordinator.start('held', null, { id });
  const waiting = (async () => {
    for await (const event of coordinator.subscribe(id)) if (event.type === 'waiting') return;
  })();
  await within(waiting, { what: `task ${id} to run` });
}

async function statusOf(id: string): Promise<string | undefined> {
  return (await coordinator.get(id))?.status;
}

/**
 * Run `script` in `page` (a string: the page runs it as written) and resolve with the status of
 * the response to the `method` request for `url` that it makes, as the browser got it.
 */
async function statusOfRequest(page: Page, method: string, url: string, script: string) {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url() === url && r.request().method() === method),
    page.evaluate(script),
  ]);
  return response.status();
}

/** `fetch(url, init)` in the page, as a script; resolves with `'sent'` or the error's name. */
function fetchScript(url: string, init: Record<string, unknown>): string {
  return `fetch(${JSON.stringify(url)}, ${JSON.stringify(init)}).then(() => 'sent', (e) => e.name)`;
}

describe('a page of another site, in Chromium', { timeout: 120_000 }, () => {
  for (const host of ['localhost', '127.0.0.1'] as const) {
    const site = host === 'localhost' ? 'cross-site' : 'same-site';
    test(`fetch (${site}) can neither start nor cancel a task`, async (t) => {
      const id = `fetched-${host}`;
      await heldTask(id);
      const page = await pageElsewhere(t, host);
      const count = (await coordinator.list()).length;
      const mark = answered.length;
      const tasks = `${warden.url}/tasks`;
      const cancel = `${warden.url}/tasks/${id}/cancel`;
      // no-cors: the request goes out as a simple one; the page cannot read the answer.
      const simple = { method: 'POST', mode: 'no-cors', body: '{"kind":"echo"}' };
      assert.equal(await statusOfRequest(page, 'POST', tasks, fetchScript(tasks, simple)), 403);
      const bare = { method: 'POST', mode: 'no-cors' };
      assert.equal(await statusOfRequest(page, 'POST', cancel, fetchScript(cancel, bare)), 403);
      assert.deepEqual(answered.slice(mark), ['POST /tasks 403', `POST /tasks/${id}/cancel 403`]);
      // A JSON fetch needs a preflight, which the server (no cors) does not grant.
      const json = {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{"kind":"echo"}',
      };
      assert.equal(await page.evaluate(fetchScript(tasks, json)), 'TypeError');
      assert.equal(await statusOf(id), 'running');
      assert.equal((await coordinator.list()).length, count, 'no task was started');
    });

    test(`a form post (${site}) is refused and cancels nothing`, async (t) => {
      const id = `posted-${host}`;
      await heldTask(id);
      const page = await pageElsewhere(t, host);
      for (const enctype of ['application/x-www-form-urlencoded', 'text/plain']) {
        const action = `${warden.url}/tasks/${id}/cancel`;
        const submit = `(() => {
          const form = document.createElement('form');
          form.method = 'POST';
          form.action = ${JSON.stringify(action)};
          form.enctype = ${JSON.stringify(enctype)};
          document.body.append(form);
          form.submit();
        })()`;
        const [navigation] = await Promise.all([page.waitForNavigation(), page.evaluate(submit)]);
        // The browser shows Warden's answer in place of the page.
        assert.equal(navigation?.status(), 403, enctype);
        const shown = JSON.parse((await page.textContent('body')) ?? '') as {
          error: { code: string };
        };
        assert.equal(shown.error.code, 'WARDEN_ERR_CROSS_SITE_REQUEST', enctype);
        await page.goto(`http://${host}:${elsewherePort}/`);
      }
      assert.equal(await statusOf(id), 'running');
    });

    test(`EventSource (${site}) is refused and subscribes to nothing`, async (t) => {
      const id = `followed-${host}`;
      await heldTask(id);
      const page = await pageElsewhere(t, host);
      const events = `${warden.url}/tasks/${id}/events`;
      const outcome = await page.evaluate(`new Promise((resolve) => {
        const source = new EventSource(${JSON.stringify(events)});
        source.onmessage = () => resolve('got an event');
        source.onerror = () => {
          if (source.readyState === EventSource.CLOSED) resolve('closed');
        };
      })`);
      assert.equal(outcome, 'closed', 'the browser gave up at once: no reconnecting');
      assert.ok(answered.includes(`GET /tasks/${id}/events 403`), answered.join('\n'));
      assert.equal(warden.handler.openStreams, 0);
    });
  }

  test('a page rebound to 127.0.0.1 (DNS rebinding) gets 421 for its own-origin calls', async (t) => {
    const id = 'rebound';
    await heldTask(id);
    const context = await browser.newContext();
    t.after(() => context.close());
    const page = await context.newPage();
    // The page is first served by the attacker's server (played here by Playwright); then its
    // name resolves to 127.0.0.1, and its same-origin requests reach Warden.
    const origin = `http://${REBOUND}:${warden.port}`;
    await page.route(`${origin}/`, (route) =>
      route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>rebound</title>' }),
    );
    await page.goto(`${origin}/`);
    const answers = await page.evaluate(`(async () => {
      const read = async (response) => ({
        status: response.status,
        code: (await response.json()).error?.code,
      });
      const json = { 'Content-Type': 'application/json' };
      return {
        list: await read(await fetch('/tasks')),
        start: await read(await fetch('/tasks', { method: 'POST', headers: json, body: '{"kind":"echo"}' })),
        cancel: await read(await fetch('/tasks/rebound/cancel', { method: 'POST', headers: json })),
      };
    })()`);
    const refused = { status: 421, code: 'WARDEN_ERR_HOST_NOT_ALLOWED' };
    assert.deepEqual(answers, { list: refused, start: refused, cancel: refused });
    assert.equal(await statusOf(id), 'running');
  });
});

describe('the dashboard Warden serves', () => {
  for (const host of ['127.0.0.1', 'localhost']) {
    test(`still starts, follows and cancels tasks from its own origin (${host})`, async (t) => {
      const context = await browser.newContext();
      t.after(() => context.close());
      const page = await context.newPage();
      await page.goto(`http://${host}:${warden.port}/`);
      await page.waitForSelector('form');
      const outcome = await page.evaluate(`(async () => {
        const json = { 'Content-Type': 'application/json' };
        const started = await fetch('tasks', { method: 'POST', headers: json, body: '{"kind":"held"}' });
        const { id } = await started.json();
        const events = new EventSource('tasks/' + id + '/events?named=false');
        const until = (wanted) => new Promise((resolve, reject) => {
          events.onmessage = (message) => {
            if (JSON.parse(message.data).type === wanted) resolve(wanted);
          };
          events.onerror = () => reject(new Error('the stream failed'));
        });
        const seen = await until('waiting');
        const ending = until('cancelled');
        const cancel = await fetch('tasks/' + id + '/cancel', { method: 'POST', headers: json, body: '{}' });
        const ended = await ending;
        events.close();
        return { started: started.status, seen, cancel: cancel.status, ended };
      })()`);
      assert.deepEqual(outcome, { started: 201, seen: 'waiting', cancel: 200, ended: 'cancelled' });
    });
  }
});
