// Type-level checks of `warden/http`: compiled by `tsc --noEmit` (npm test runs it first); a
// `@ts-expect-error` that stops being an error fails the type-check.

import assert from 'node:assert/strict';
import type { RequestListener } from 'node:http';
import { test } from 'node:test';
import type { RequestHandler } from 'express';
import {
  createWardenHandler,
  httpDefaults,
  type WardenHandler,
  type WardenHandlerOptions,
  type WardenMetrics,
  type WardenServer,
  type WardenServerOptions,
} from '../../src/http/index.js';
import { TaskCoordinator } from '../../src/index.js';
import { silentLogger } from '../helpers.js';

test('the handler fits node:http and Express; the options are checked', async () => {
  const coordinator = new TaskCoordinator({ logger: silentLogger, runtime: false });
  const handler: WardenHandler = createWardenHandler(coordinator, {
    runtime: false,
    metrics: false,
    logger: silentLogger,
  });
  const listener: RequestListener = handler;
  const middleware: RequestHandler = handler;
  assert.equal(typeof listener, 'function');
  assert.equal(typeof middleware, 'function');
  const ready: boolean = handler.ready;
  const open: number = handler.openStreams;
  assert.deepEqual([ready, open], [true, 0]);
  const assignReady = (): void => {
    // @ts-expect-error ready is read-only
    handler.ready = false;
  };
  assert.throws(assignReady, TypeError);

  const options: WardenHandlerOptions = { token: 't', cors: { origin: ['https://a.example'] } };
  // @ts-expect-error metrics is a WardenMetrics or false, not true
  const badMetrics: WardenHandlerOptions = { metrics: true };
  // @ts-expect-error a server needs its coordinator
  const noCoordinator: WardenServerOptions = { port: 0 };
  const port: 7780 = httpDefaults.port;
  const server: Pick<WardenServer, 'url' | 'close'> | undefined = undefined;
  const metrics: WardenMetrics | undefined = undefined;
  assert.ok(options && badMetrics && noCoordinator && port && server === metrics);
  await handler.close();
  await coordinator.shutdown();
});
