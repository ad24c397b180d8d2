// Input the durable backend's database cannot store, refused at the HTTP edge with a 400
// instead of reaching PostgreSQL: a NUL (or another control character, or a lone surrogate)
// in an id, a kind, a query filter or a cancel reason, and numbers past PostgreSQL's
// `integer` (Last-Event-ID, limit). On PGlite and, when there is one, a PostgreSQL server.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startWardenServer, type WardenServer } from '../../src/http/index.js';
import { TaskCoordinator } from '../../src/index.js';
import { PostgresBackend } from '../../src/postgres/index.js';
import { silentLogger } from '../helpers.js';
import { type Engine, engines } from '../postgres/engines.js';
import { errorOf, postJson, sseItems } from './helpers.js';

const list = await engines();

const BAD_REQUEST = { status: 400, code: 'WARDEN_ERR_BAD_REQUEST' };

for (const engine of list) {
  describe(`input the database refuses, on ${engine.name}`, () => {
    let server: WardenServer;
    let coordinator: TaskCoordinator;
    before(async () => {
      ({ server, coordinator } = await serve(engine));
      // `held` runs until cancelled, with a `waiting` event first.
      const created = await postJson(`${server.url}/tasks`, { kind: 'held', id: 'held' });
      assert.equal(created.status, 201);
    });
    after(async () => {
      await server.close({ timeout: 5_000 });
      await coordinator.shutdown({ timeout: 5_000 });
    });

    test('a NUL or control character in a kind, an id or a cursor is a 400', async () => {
      for (const path of [
        '/tasks?kind=%00',
        '/tasks?kind=a%00b',
        '/tasks?kind=%01',
        '/tasks?kind=a%20b',
        `/tasks?kind=${'k'.repeat(129)}`,
        '/tasks?cursor=%00',
        '/tasks/%00',
        '/tasks/a%00b',
        '/tasks/held%00/events',
      ]) {
        assert.deepEqual(await errorOf(await fetch(`${server.url}${path}`)), BAD_REQUEST, path);
      }
      for (const body of [
        { kind: 'a\u0000' },
        { kind: 'a\u0007b' },
        { kind: 'a\ud800' },
        { kind: 'held', id: 'x\u0000' },
      ]) {
        const res = await postJson(`${server.url}/tasks`, body);
        assert.deepEqual(await errorOf(res), BAD_REQUEST, JSON.stringify(body));
      }
      const cancel = await postJson(`${server.url}/tasks/held%00/cancel`, {});
      assert.deepEqual(await errorOf(cancel), BAD_REQUEST);
    });

    test('a cancel reason with a NUL or a lone surrogate is a 400 and cancels nothing', async () => {
      for (const reason of ['why\u0000', 'why\ud800', '\udc00']) {
        const res = await postJson(`${server.url}/tasks/held/cancel`, { reason });
        assert.deepEqual(await errorOf(res), BAD_REQUEST, JSON.stringify(reason));
      }
      assert.equal((await coordinator.get('held'))?.status, 'running');
    });

    test('Last-Event-ID and limit past PostgreSQL integer are a 400', async () => {
      for (const headers of [
        { 'last-event-id': '2147483648' },
        { 'last-event-id': '99999999999' },
        { 'last-event-id': '-1' },
      ]) {
        const res = await fetch(`${server.url}/tasks/held/events`, { headers });
        assert.deepEqual(await errorOf(res), BAD_REQUEST, JSON.stringify(headers));
      }
      const query = await fetch(`${server.url}/tasks/held/events?lastEventId=2147483648`);
      assert.deepEqual(await errorOf(query), BAD_REQUEST);
      for (const limit of ['2147483648', '0', '501']) {
        const res = await fetch(`${server.url}/tasks?limit=${limit}`);
        assert.deepEqual(await errorOf(res), BAD_REQUEST, limit);
      }
      assert.equal(server.handler.openStreams, 0);
    });

    test('the largest Last-Event-ID opens the stream; the server is still healthy', async () => {
      const res = await fetch(`${server.url}/tasks/held/events`, {
        headers: { 'last-event-id': '2147483647' },
      });
      assert.equal(res.status, 200);
      const items = sseItems(res.body as ReadableStream<Uint8Array>);
      assert.deepEqual((await items.next()).value, { kind: 'retry', ms: 2_000 });
      const page = (await (await fetch(`${server.url}/tasks?kind=held`)).json()) as {
        tasks: Array<{ id: string; status: string }>;
      };
      assert.deepEqual(
        page.tasks.map((task) => [task.id, task.status]),
        [['held', 'running']],
      );
      // The task ends: nothing follows seq 2147483647, so the stream just ends.
      assert.equal((await postJson(`${server.url}/tasks/held/cancel`, {})).status, 200);
      const rest = [];
      for await (const item of items) rest.push(item);
      assert.deepEqual(rest, []);
    });
  });
}

/** A Warden server over a PostgresBackend on `engine`, with kind `held`. */
async function serve(
  engine: Engine,
): Promise<{ server: WardenServer; coordinator: TaskCoordinator }> {
  const backend = new PostgresBackend(engine.options());
  const coordinator = new TaskCoordinator({
    backend,
    shutdownBackend: true,
    logger: silentLogger,
    runtime: false,
  });
  coordinator.define('held', async (ctx) => {
    ctx.emit('waiting', {});
    await ctx.token.cancelled();
    ctx.token.throwIfCancelled();
  });
  const server = await startWardenServer({
    coordinator,
    port: 0,
    runtime: false,
    logger: silentLogger,
  });
  return { server, coordinator };
}
