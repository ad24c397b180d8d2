// The handler mounted inside other servers: plain node:http (with and without next), Express 5
// at `/warden` (with and without express.json() in front), and Fastify 4 through a hijacked
// catch-all route. Each serves the API, streams events, and leaves other paths to its host.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { describe, test } from 'node:test';
import express from 'express';
import Fastify from 'fastify';
import { createWardenHandler, type WardenHandler } from '../../src/http/index.js';
import type { TaskCoordinator } from '../../src/index.js';
import { silentLogger } from '../helpers.js';
import { errorOf, postJson, readEvents, testCoordinator } from './helpers.js';

function handlerFor(t: TestContext, coordinator: TaskCoordinator): WardenHandler {
  const handler = createWardenHandler(coordinator, { runtime: false, logger: silentLogger });
  t.after(() => handler.close());
  return handler;
}

async function listen(t: TestContext, server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Start, read, stream and list through `base` (where the API is mounted). */
async function exerciseApi(base: string, locationPrefix: string): Promise<void> {
  const created = await postJson(`${base}/tasks`, { kind: 'echo', input: { n: 1 } });
  assert.equal(created.status, 201);
  const { id } = (await created.json()) as { id: string };
  assert.equal(created.headers.get('location'), `${locationPrefix}/tasks/${id}`);
  const events = await readEvents(await fetch(`${base}/tasks/${id}/events`));
  assert.deepEqual(
    events.map((event) => event.event),
    ['started', 'completed'],
  );
  assert.deepEqual(events[1]?.data.data, { result: { n: 1 } });
  const record = (await (await fetch(`${base}/tasks/${id}`)).json()) as { status: string };
  assert.equal(record.status, 'succeeded');
  const list = (await (await fetch(`${base}/tasks`)).json()) as { tasks: Array<{ id: string }> };
  assert.equal(list.tasks[0]?.id, id);
  assert.deepEqual(await errorOf(await postJson(`${base}/tasks`, [1])), {
    status: 400,
    code: 'WARDEN_ERR_BAD_REQUEST',
  });
  assert.equal((await fetch(`${base}/readyz`)).status, 200);
}

describe('mounting', () => {
  test('plain node:http, with the handler answering everything', async (t) => {
    const { coordinator } = testCoordinator(t);
    const handler = handlerFor(t, coordinator);
    const url = await listen(
      t,
      createServer((req, res) => handler(req, res)),
    );
    await exerciseApi(url, '');
    assert.deepEqual(await errorOf(await fetch(`${url}/elsewhere`)), {
      status: 404,
      code: 'WARDEN_ERR_ROUTE_NOT_FOUND',
    });
  });

  test('plain node:http under a prefix, passing other paths on with next()', async (t) => {
    const { coordinator } = testCoordinator(t);
    const handler = handlerFor(t, coordinator);
    const url = await listen(
      t,
      createServer((req, res) => {
        const app = () => res.writeHead(200, { 'content-type': 'text/plain' }).end('app');
        if (req.url?.startsWith('/warden/')) {
          req.url = req.url.slice('/warden'.length);
          handler(req, res, app);
        } else app();
      }),
    );
    await exerciseApi(`${url}/warden`, '');
    assert.equal(await (await fetch(`${url}/warden/not-ours`)).text(), 'app');
    assert.equal(await (await fetch(`${url}/other`)).text(), 'app');
  });

  for (const withJsonParser of [false, true]) {
    test(`Express 5 at /warden${withJsonParser ? ', after express.json()' : ''}`, async (t) => {
      const { coordinator } = testCoordinator(t);
      const handler = handlerFor(t, coordinator);
      const app = express();
      if (withJsonParser) app.use(express.json());
      app.use('/warden', handler);
      app.get('/hello', (_req, res) => {
        res.send('hello from express');
      });
      const url = await listen(t, createServer(app));
      await exerciseApi(`${url}/warden`, '/warden');
      assert.equal(await (await fetch(`${url}/hello`)).text(), 'hello from express');
      // A path under the mount that the API does not serve goes on to Express's own 404.
      const notOurs = await fetch(`${url}/warden/not-ours`);
      assert.equal(notOurs.status, 404);
      assert.match(notOurs.headers.get('content-type') ?? '', /^text\/html/);
      // The dashboard, under the mount path.
      const bare = await fetch(`${url}/warden`, { redirect: 'manual' });
      assert.equal(bare.status, 308);
      const page = await fetch(`${url}/warden/`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    });
  }

  test('Fastify 4 through a hijacked catch-all route', async (t) => {
    const { coordinator } = testCoordinator(t);
    const handler = handlerFor(t, coordinator);
    const app = Fastify();
    t.after(() => app.close());
    app.get('/hello', async () => 'hello from fastify');
    await app.register(async (warden) => {
      // Leave request bodies unread for the handler (in this plugin's scope only).
      warden.removeAllContentTypeParsers();
      warden.addContentTypeParser('*', (_request, _payload, done) => done(null));
      warden.all('/warden/*', (request, reply) => {
        reply.hijack();
        request.raw.url = (request.raw.url ?? '/').slice('/warden'.length);
        handler(request.raw, reply.raw);
      });
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    await exerciseApi(`${url}/warden`, '');
    assert.equal(await (await fetch(`${url}/hello`)).text(), 'hello from fastify');
    assert.equal((await fetch(`${url}/warden/`)).status, 200);
    assert.deepEqual(await errorOf(await fetch(`${url}/warden/nope`)), {
      status: 404,
      code: 'WARDEN_ERR_ROUTE_NOT_FOUND',
    });
  });
});
