// The dashboard: serveDashboard over real HTTP (the page, its modules, the vendor modules, the
// allow-list), then the page itself in a real Chromium against a real Warden server: start a
// countdown from the form, watch its progress arrive, cancel it; and the token prompt.

import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, type TestContext, test } from 'node:test';
import express from 'express';
import type { Browser, Page } from 'playwright-core';
import { serveDashboard } from '../../src/http/dashboard/serve-dashboard.js';
import { createWardenHandler } from '../../src/http/index.js';
import { TaskCoordinator } from '../../src/index.js';
import { silentLogger } from '../helpers.js';
import {
  defineCountdown,
  launchChromium,
  StepGate,
  until,
  watchPage,
} from './fixtures/dashboard-browser.js';
import { testServer } from './helpers.js';

const DASHBOARD_DIR = new URL('../../src/http/dashboard/', import.meta.url);

/**
 * A bare node:http server: the dashboard, else 404. An `X-Original-Url` header plays Express's
 * `originalUrl` (the path before the mount prefix was stripped).
 */
async function dashboardOnly(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const originalUrl = req.headers['x-original-url'];
    if (typeof originalUrl === 'string') Object.assign(req, { originalUrl });
    if (!serveDashboard(req, res, path)) {
      res.statusCode = 404;
      res.end('not the dashboard');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

interface RawAnswer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A request with its path sent exactly as given (`fetch` would normalise `..` away). */
function raw(
  port: number,
  path: string,
  { method = 'GET', headers = {} }: { method?: string; headers?: Record<string, string> } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serveDashboard', () => {
  let server: Server;
  let port: number;
  before(async () => {
    ({ server, port } = await dashboardOnly());
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('serves the page with a policy that allows only this origin and its import map', async () => {
    const page = await raw(port, '/');
    assert.equal(page.status, 200);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(page.headers['cache-control'], 'no-cache');
    assert.match(page.headers.etag ?? '', /^"[\w-]+"$/);
    assert.match(page.body, /<script type="module" src="dashboard\/app\.js">/);
    const policy = String(page.headers['content-security-policy']);
    assert.match(policy, /default-src 'none'/);
    assert.match(policy, /connect-src 'self'/);
    const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(page.body)?.[1] ?? '';
    const hash = createHash('sha256').update(importMap).digest('base64');
    assert.match(policy, new RegExp(`script-src 'self' 'sha256-${hash.replace(/[+/]/g, '\\$&')}'`));
    assert.doesNotMatch(page.body, /https?:\/\//, 'the page names no other origin');
  });

  test('answers HEAD without a body and a matching If-None-Match with 304', async () => {
    const page = await raw(port, '/');
    const head = await raw(port, '/', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal(head.headers['content-length'], String(Buffer.byteLength(page.body)));
    assert.equal(head.headers.etag, page.headers.etag);
    const etag = page.headers.etag ?? '';
    const again = await raw(port, '/', { headers: { 'If-None-Match': `W/${etag}, "other"` } });
    assert.equal(again.status, 304);
    assert.equal(again.body, '');
    assert.equal(again.headers.etag, etag);
    const changed = await raw(port, '/', { headers: { 'If-None-Match': '"other"' } });
    assert.equal(changed.status, 200);
  });

  test('serves Preact, its hooks and htm as browser modules, without source-map comments', async () => {
    const preact = await raw(port, '/dashboard/vendor/preact.mjs');
    const hooks = await raw(port, '/dashboard/vendor/preact-hooks.mjs');
    const htm = await raw(port, '/dashboard/vendor/htm.mjs');
    for (const module of [preact, hooks, htm]) {
      assert.equal(module.status, 200);
      assert.equal(module.headers['content-type'], 'text/javascript; charset=utf-8');
      assert.equal(module.headers['cache-control'], 'no-cache');
      assert.doesNotMatch(module.body, /sourceMappingURL/);
      assert.doesNotMatch(module.body, /require\(/, 'an ES module, not the CommonJS build');
    }
    assert.match(preact.body, /export\s*\{[^}]*\bas render\b/);
    assert.match(hooks.body, /from\s*"preact"/);
    assert.match(hooks.body, /export\s*\{[^}]*\bas useState\b/);
    assert.match(htm.body, /export\s*\{?\s*\w+ as default|export default/);
  });

  test('serves every file of the dashboard directory, and each import resolves to one it serves', async () => {
    const files = readdirSync(DASHBOARD_DIR).filter(
      (name) => !name.endsWith('.ts') && name !== 'index.html',
    );
    assert.ok(files.includes('app.js') && files.includes('style.css'));
    const importMap = JSON.parse(
      /<script type="importmap">([\s\S]*?)<\/script>/.exec((await raw(port, '/')).body)?.[1] ??
        '{}',
    ) as { imports: Record<string, string> };
    for (const name of files) {
      const file = await raw(port, `/dashboard/${name}`);
      assert.equal(file.status, 200, `/dashboard/${name}`);
      const type = name.endsWith('.css') ? 'text/css' : 'text/javascript';
      assert.equal(file.headers['content-type'], `${type}; charset=utf-8`, name);
      for (const [, specifier] of file.body.matchAll(/\bfrom\s+'([^']+)'/g)) {
        if (specifier === undefined) continue;
        if (specifier.startsWith('./')) {
          assert.ok(files.includes(specifier.slice(2)), `${name} imports ${specifier}`);
        } else {
          const mapped = importMap.imports[specifier];
          assert.ok(mapped !== undefined, `${name} imports ${specifier}, not in the import map`);
          const served = await raw(port, `/${mapped.replace(/^\.\//, '')}`);
          assert.equal(served.status, 200, mapped);
        }
      }
    }
  });

  test('serves nothing off its list: traversal, source files, other methods', async () => {
    for (const path of [
      '/dashboard/../package.json',
      '/dashboard/..%2f..%2fpackage.json',
      '/dashboard/%2e%2e/%2e%2e/package.json',
      '/dashboard/vendor/../../../package.json',
      '/dashboard/serve-dashboard.ts',
      '/dashboard/dashboard-assets.ts',
      '/dashboard/index.html',
      '/dashboard/',
      '/dashboard',
      '/dashboard/vendor/preact.module.js',
      '/dashboard/APP.JS',
      '/index.html',
      '/package.json',
      '//dashboard/app.js',
    ]) {
      const answer = await raw(port, path);
      assert.equal(answer.status, 404, path);
      assert.equal(answer.body, 'not the dashboard', path);
    }
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const answer = await raw(port, '/', { method });
      assert.equal(answer.status, 404, method);
    }
  });

  test('mounted under a prefix, a request for the bare prefix is redirected to it with a slash', async () => {
    // Express strips the mount path: `/ops/warden` arrives as `/` with `originalUrl` intact.
    const bare = await raw(port, '/', { headers: { 'X-Original-Url': '/ops/warden?x=1' } });
    assert.equal(bare.status, 308);
    assert.equal(bare.headers.location, './warden/?x=1');
    const slashed = await raw(port, '/', { headers: { 'X-Original-Url': '/ops/warden/' } });
    assert.equal(slashed.status, 200);
    assert.equal(slashed.headers['content-type'], 'text/html; charset=utf-8');
    const odd = await raw(port, '/', { headers: { 'X-Original-Url': '/ops/war den' } });
    assert.equal(odd.status, 200, 'a segment it cannot echo safely is served, not redirected');
  });
});

/** The page's pure helpers, loaded as the plain modules the browser gets. */
interface PageHelpers {
  progressFraction(progress: unknown): number | undefined;
  appendEvent(entries: readonly PageLogEntry[], event: object): PageLogEntry[];
}
interface PageLogEntry {
  readonly gap?: number;
  readonly atStart?: boolean;
  readonly event?: { readonly type: string; readonly seq: number };
}

async function pageHelpers(): Promise<PageHelpers> {
  // Through a variable, so TypeScript leaves the untyped browser modules alone.
  const format = new URL('format.js', DASHBOARD_DIR).href;
  const eventLog = new URL('event-log.js', DASHBOARD_DIR).href;
  const [{ progressFraction }, { appendEvent }] = await Promise.all([
    import(format) as Promise<Pick<PageHelpers, 'progressFraction'>>,
    import(eventLog) as Promise<Pick<PageHelpers, 'appendEvent'>>,
  ]);
  return { progressFraction, appendEvent };
}

describe("the page's helpers", () => {
  test('progress reads as a fraction from a number or a count with a total, else not at all', async () => {
    const { progressFraction } = await pageHelpers();
    assert.equal(progressFraction(0.25), 0.25);
    assert.equal(progressFraction(1), 1);
    assert.equal(progressFraction({ value: 1, total: 4 }), 0.25);
    assert.equal(progressFraction({ bytes: 50, total: 200 }), 0.25);
    assert.equal(progressFraction({ done: 3, of: 4 }), 0.75);
    assert.equal(progressFraction({ value: 0.5 }), 0.5);
    assert.equal(progressFraction({ value: 9, total: 4 }), 1, 'clamped');
    for (const raw of [7, -0.1, Number.NaN, 'half', null, [0.5], { bytes: 10, total: null }]) {
      assert.equal(progressFraction(raw), undefined, JSON.stringify(raw));
    }
    assert.equal(progressFraction({ value: 1, total: 0 }), undefined);
  });

  test('the event log marks a jump in seq, and skips a replayed one', async () => {
    const { appendEvent } = await pageHelpers();
    const event = (seq: number, type: string) => ({ taskId: 't', seq, type, data: {}, time: 0 });
    let log = appendEvent([], event(1, 'started'));
    log = appendEvent(log, event(4, 'progress'));
    assert.deepEqual(
      log.map((entry) => entry.gap ?? entry.event?.type),
      ['started', 2, 'progress'],
      'two events went unseen',
    );
    assert.equal(log[1]?.atStart, false);
    assert.equal(appendEvent(log, event(4, 'progress')), log, 'a replay changes nothing');
    log = appendEvent(log, event(4, 'overflow'));
    log = appendEvent(log, event(5, 'completed'));
    assert.deepEqual(
      log.map((entry) => entry.gap ?? entry.event?.type),
      ['started', 2, 'progress', 'overflow', 'completed'],
      'overflow repeats the last seq without breaking the sequence',
    );
    const trimmed = appendEvent([], event(30, 'progress'));
    assert.deepEqual(trimmed[0], { key: 'gap-30', gap: 29, atStart: true });
  });
});

describe('the dashboard in Chromium', { timeout: 120_000 }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(() => browser?.close());

  /** A coordinator and a Warden server over it, both closed after the test. */
  async function serve(t: TestContext, options: { token?: string } = {}) {
    const coordinator = new TaskCoordinator({ runtime: false, logger: silentLogger });
    const gate = new StepGate();
    defineCountdown(coordinator, gate);
    coordinator.define('echo', (ctx) => ctx.input);
    const server = await testServer(t, coordinator, options);
    t.after(() => coordinator.shutdown({ timeout: 2_000 }));
    const url = new URL('/', server.url).href;
    return { coordinator, gate, url, origin: new URL(url).origin };
  }

  /** A fresh page (its own session storage), closed after the test. */
  async function openPage(t: TestContext): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    t.after(() => context.close());
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    return page;
  }

  test('starts a countdown from the form, shows its progress live, and cancels it', async (t) => {
    const { coordinator, gate, url, origin } = await serve(t);
    const page = await openPage(t);
    const trouble = watchPage(page, origin);
    await page.goto(url);

    await page.getByTestId('task-list-empty').waitFor();
    assert.equal(await page.getByText('Loading the Warden dashboard').count(), 0);
    const form = page.getByTestId('start-form');
    await form.getByLabel('Kind').fill('countdown');
    await form.getByLabel('Input (JSON)').fill('{"from":4}');
    await form.getByRole('button', { name: 'Start task' }).click();

    const row = page.getByTestId('task-row');
    await row.waitFor();
    const id = (await row.getAttribute('data-task-id')) ?? '';
    const started = await coordinator.get(id);
    assert.equal(started?.kind, 'countdown', 'the row is the task the server started');
    assert.deepEqual(started?.input, { from: 4 });

    // The new task is selected: its pane follows the event stream.
    const detail = page.getByTestId('task-detail');
    assert.equal(await detail.getAttribute('data-task-id'), id);
    const log = detail.getByTestId('event-log');
    const entries = (type: string) =>
      log.locator(`[data-testid=event-entry][data-event-type=${type}]`);
    await entries('started').waitFor();
    await until(
      'the detail to say running',
      async () => (await detail.getByTestId('status-badge').textContent()) === 'running',
    );

    const detailBar = detail.getByTestId('progress-bar');
    for (const [step, fraction] of [
      [1, 0.25],
      [2, 0.5],
    ] as const) {
      gate.release();
      await until(
        `progress event ${step}`,
        async () => (await entries('progress').count()) === step,
      );
      await until(
        `the detail's bar at ${fraction}`,
        async () => Number(await detailBar.getAttribute('value')) === fraction,
      );
    }
    assert.match(
      (await entries('progress').last().textContent()) ?? '',
      /"value":2,"total":4/,
      'the log shows the progress payload',
    );
    // Each step's `tick`, a type of the task's own, is in the log too (the page asks for
    // unnamed events, so EventSource delivers every type).
    assert.ok((await entries('tick').count()) >= 2, "the task's own tick events are shown");
    assert.equal(await log.getByTestId('event-gap').count(), 0, 'no event went unseen');

    // The list catches up on its own refresh.
    const rowBar = row.getByTestId('progress-bar');
    await until(
      'the row shows 50%',
      async () => Number(await rowBar.getAttribute('value')) === 0.5,
    );
    assert.equal(await row.getByTestId('status-badge').textContent(), 'running');

    await detail.getByRole('button', { name: 'Cancel' }).click();
    await entries('cancelled').waitFor();
    await until(
      'the detail to say cancelled',
      async () => (await detail.getByTestId('status-badge').textContent()) === 'cancelled',
    );
    await until(
      'the row to say cancelled',
      async () => (await row.getByTestId('status-badge').textContent()) === 'cancelled',
    );
    assert.equal(await detail.getByTestId('cancel-button').count(), 0, 'no Cancel once it ended');
    assert.equal(await detail.getByTestId('stream-state').getAttribute('data-state'), 'ended');
    assert.match((await entries('cancelled').textContent()) ?? '', /cancelled from the dashboard/);

    const ended = await coordinator.get(id);
    assert.equal(ended?.status, 'cancelled');
    assert.equal(ended?.cancelReason?.message, 'cancelled from the dashboard');

    await mkdir('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/dashboard.png', fullPage: true });
    assert.deepEqual(trouble, { errors: [], foreignRequests: [] });
  });

  test('shows a start failure from the API next to the form', async (t) => {
    const { url, origin } = await serve(t);
    const page = await openPage(t);
    const trouble = watchPage(page, origin);
    await page.goto(url);
    const form = page.getByTestId('start-form');
    await form.getByLabel('Kind').fill('no-such-kind');
    await form.getByRole('button', { name: 'Start task' }).click();
    await until('the form to report the unknown kind', async () =>
      /WARDEN_ERR_UNKNOWN_TASK_TYPE|no-such-kind/.test(
        (await form.getByTestId('start-problem').textContent()) ?? '',
      ),
    );
    await form.getByLabel('Input (JSON)').fill('{not json');
    await form.getByRole('button', { name: 'Start task' }).click();
    await until('the form to refuse the input', async () =>
      /not JSON/.test((await form.getByTestId('start-problem').textContent()) ?? ''),
    );
    assert.equal(await page.getByTestId('task-row').count(), 0);
    // The 404 of the refused start is the one console error the browser itself logs.
    assert.deepEqual(
      trouble.errors.filter((error) => !/status of 404/.test(error)),
      [],
    );
    assert.deepEqual(trouble.foreignRequests, []);
  });

  test('asks for the token when the API answers 401, and loads once it has it', async (t) => {
    const token = `token-${randomUUID()}`;
    const { coordinator, url, origin } = await serve(t, { token });
    const id = await coordinator.start('echo', { hello: 'world' });
    const page = await openPage(t);
    const trouble = watchPage(page, origin, { expect401: true });
    await page.goto(url);

    const prompt = page.getByTestId('token-prompt');
    await prompt.waitFor();
    assert.equal(await page.getByTestId('task-list').count(), 0);
    assert.equal(await page.getByTestId('start-form').count(), 0);

    await prompt.getByLabel('API token').fill('wrong');
    await prompt.getByRole('button', { name: 'Use token' }).click();
    await until('the prompt to say the token was refused', async () =>
      /refused that token/.test((await prompt.textContent()) ?? ''),
    );

    await prompt.getByLabel('API token').fill(token);
    await prompt.getByRole('button', { name: 'Use token' }).click();
    const row = page.locator(`[data-testid=task-row][data-task-id="${id}"]`);
    await row.waitFor();
    await until(
      'the echo task to show as succeeded',
      async () => (await row.getByTestId('status-badge').textContent()) === 'succeeded',
    );
    assert.equal(await prompt.count(), 0);

    // The event stream takes the token as `access_token` (EventSource cannot send headers).
    await row.click();
    const log = page.getByTestId('task-detail').getByTestId('event-log');
    await log.locator('[data-event-type=completed]').waitFor();
    assert.match((await log.textContent()) ?? '', /"hello":"world"/);

    // The token is kept for the tab's session: a reload needs no prompt.
    await page.reload();
    await row.waitFor();
    assert.equal(await prompt.count(), 0);
    assert.deepEqual(trouble, { errors: [], foreignRequests: [] });
  });

  test('works mounted under a prefix in Express, reached without the trailing slash', async (t) => {
    const coordinator = new TaskCoordinator({ runtime: false, logger: silentLogger });
    coordinator.define('echo', (ctx) => ctx.input);
    const handler = createWardenHandler(coordinator, { runtime: false, logger: silentLogger });
    const app = express();
    app.use('/ops/warden', handler);
    app.use((_req, res) => {
      res.status(404).send('outside the mount');
    });
    const server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    t.after(async () => {
      await handler.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await coordinator.shutdown({ timeout: 2_000 });
    });
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const page = await openPage(t);
    const trouble = watchPage(page, origin);

    await page.goto(`${origin}/ops/warden`);
    assert.equal(page.url(), `${origin}/ops/warden/`, 'redirected to the mount with its slash');
    const form = page.getByTestId('start-form');
    await form.getByLabel('Kind').fill('echo');
    await form.getByLabel('Input (JSON)').fill('{"mounted":true}');
    await form.getByRole('button', { name: 'Start task' }).click();
    const row = page.getByTestId('task-row');
    await row.waitFor();
    await page
      .getByTestId('event-log')
      .locator('[data-event-type=completed]', { hasText: '"mounted":true' })
      .waitFor();
    assert.equal(await row.count(), 1);
    assert.equal((await coordinator.list()).length, 1, 'the task went through the mounted API');
    assert.deepEqual(trouble, { errors: [], foreignRequests: [] });
  });
});
