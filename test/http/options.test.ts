// Options and start-up failures: bad options throw InvalidArgumentError at the call, a port in
// use rejects with the listen error, a runtime already shutting down refuses the server, and
// `dashboard: false` serves no page.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createWardenHandler, httpDefaults, startWardenServer } from '../../src/http/index.js';
import {
  InvalidArgumentError,
  Runtime,
  ShutdownStartedError,
  type TaskCoordinator,
} from '../../src/index.js';
import { rejectionOf, silentLogger } from '../helpers.js';
import { errorOf, testCoordinator, testServer } from './helpers.js';

describe('options', () => {
  test('defaults are the documented ones', () => {
    assert.deepEqual(
      { ...httpDefaults },
      {
        host: '127.0.0.1',
        port: 7780,
        cors: false,
        maxBodyBytes: 1_048_576,
        keepAliveInterval: 15_000,
        retry: 2_000,
        dashboard: true,
        closeTimeout: 10_000,
      },
    );
  });

  test('bad options throw InvalidArgumentError at the call', (t) => {
    const { coordinator } = testCoordinator(t);
    const base = { runtime: false as const, logger: silentLogger, metrics: false as const };
    assert.throws(() => createWardenHandler({} as TaskCoordinator, base), InvalidArgumentError);
    for (const bad of [
      { token: '' },
      { token: 5 },
      { cors: {} },
      { cors: { origin: [] } },
      { cors: true },
      { maxBodyBytes: -1 },
      { keepAliveInterval: 0 },
      { retry: 1.5 },
      { maxQueuedEvents: 0 },
      { dashboard: 'yes' },
      { metrics: true },
      { runtime: {} },
      { logger: console.log },
    ]) {
      assert.throws(
        () => createWardenHandler(coordinator, { ...base, ...(bad as object) }),
        InvalidArgumentError,
        JSON.stringify(bad),
      );
    }
  });

  test('startWardenServer rejects a bad port, and a port in use with the listen error', async (t) => {
    const { coordinator } = testCoordinator(t);
    const options = { coordinator, runtime: false as const, logger: silentLogger };
    assert.ok(
      (await rejectionOf(startWardenServer({ ...options, port: 70_000 }))) instanceof
        InvalidArgumentError,
    );
    const first = await testServer(t, coordinator);
    const error = (await rejectionOf(startWardenServer({ ...options, port: first.port }))) as {
      code?: string;
    };
    assert.equal(error.code, 'EADDRINUSE');
  });

  test('a runtime already shutting down refuses the server', async (t) => {
    const { coordinator } = testCoordinator(t);
    const runtime = new Runtime({ logger: silentLogger, exit: () => {} });
    await runtime.shutdown();
    const error = await rejectionOf(
      startWardenServer({ coordinator, port: 0, runtime, logger: silentLogger }),
    );
    assert.ok(error instanceof ShutdownStartedError);
  });

  test('dashboard: false serves no page', async (t) => {
    const { coordinator } = testCoordinator(t);
    const server = await testServer(t, coordinator, { dashboard: false });
    assert.deepEqual(await errorOf(await fetch(`${server.url}/`)), {
      status: 404,
      code: 'WARDEN_ERR_ROUTE_NOT_FOUND',
    });
    const withPage = await testServer(t, coordinator);
    assert.equal((await fetch(`${withPage.url}/`)).status, 200);
  });
});
