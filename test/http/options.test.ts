// Options and start-up failures: bad options throw InvalidArgumentError at the call, a port in
// use rejects with the listen error, a runtime already shutting down refuses the server, and
// `dashboard: false` serves no page.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createWardenHandler,
  createWardenMetrics,
  httpDefaults,
  startWardenServer,
} from '../../src/http/index.js';
import {
  InvalidArgumentError,
  Runtime,
  ShutdownStartedError,
  type TaskCoordinator,
} from '../../src/index.js';
import { rejectionOf, silentLogger, unknownOption } from '../helpers.js';
import { errorOf, testCoordinator, testServer } from './helpers.js';

describe('options', () => {
  test('defaults are the documented ones', () => {
    assert.deepEqual(
      { ...httpDefaults },
      {
        host: '127.0.0.1',
        port: 7780,
        allowedHosts: [],
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
      { allowedHosts: 'warden.example.com' },
      { allowedHosts: ['*'] },
      { allowedHosts: [''] },
      { allowedHosts: ['warden.example.com:8080'] },
      { allowedHosts: ['bad/name'] },
      { allowedHosts: ['.127.0.0.1'] },
      { allowedHosts: [5] },
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

  test('an unknown option key is refused, nested cors options too', async (t) => {
    const { coordinator } = testCoordinator(t);
    const base = { runtime: false as const, logger: silentLogger, metrics: false as const };
    assert.throws(
      () => createWardenHandler(coordinator, { ...base, keepAlive: 5 } as never),
      unknownOption(
        "createWardenHandler options: unknown option 'keepAlive' (did you mean 'keepAliveInterval'?)",
      ),
    );
    assert.throws(
      () => createWardenHandler(coordinator, { ...base, cors: { origins: ['x'] } } as never),
      unknownOption(
        "createWardenHandler options.cors: unknown option 'origins' (did you mean 'origin'?)",
      ),
    );
    const server = { ...base, coordinator, port: 0 };
    assert.ok(
      unknownOption("startWardenServer options: unknown option 'prot' (did you mean 'port'?)")(
        await rejectionOf(startWardenServer({ ...server, prot: 0 } as never)),
      ),
    );
    assert.ok(
      unknownOption("startWardenServer options: unknown option 'hostname' (did you mean 'host'?)")(
        await rejectionOf(startWardenServer({ ...server, hostname: '::1' } as never)),
      ),
    );
    assert.ok(
      unknownOption(
        "startWardenServer options.cors: unknown option 'origins' (did you mean 'origin'?)",
      )(await rejectionOf(startWardenServer({ ...server, cors: { origins: 'x' } } as never))),
    );
    const running = await testServer(t, coordinator);
    assert.ok(
      unknownOption(
        "WardenServer.close options: unknown option 'timeoutMs' (did you mean 'timeout'?)",
      )(await rejectionOf(running.close({ timeoutMs: 5 } as never))),
    );
    assert.equal(running.server.listening, true, 'a refused close() call does not close');
  });

  test('every option at once is accepted by the handler, the server and close()', async (t) => {
    const { coordinator } = testCoordinator(t);
    const runtime = new Runtime({ logger: silentLogger, exit: () => {} });
    t.after(() => runtime.shutdown());
    const metrics = createWardenMetrics(coordinator, { collectDefaultMetrics: false });
    t.after(() => metrics.dispose());
    const handlerOptions = {
      token: 'secret',
      allowedHosts: ['warden.example.com', '.ops.example.com'],
      cors: { origin: 'https://ops.example.com' },
      maxBodyBytes: 1_000,
      keepAliveInterval: 1_000,
      retry: 100,
      maxQueuedEvents: 10,
      dashboard: false,
      metrics,
      runtime,
      logger: silentLogger,
    };
    const handler = createWardenHandler(coordinator, handlerOptions);
    await handler.close();
    const server = await startWardenServer({
      ...handlerOptions,
      coordinator,
      host: '127.0.0.1',
      port: 0,
    });
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200);
    await server.close({ timeout: 1_000 });
    assert.equal(server.server.listening, false);
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
