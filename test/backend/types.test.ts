// Type-level checks of the backend API: these lines are compiled by `tsc --noEmit` (npm test
// runs it first); a `@ts-expect-error` that stops being an error fails the type-check.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type BackendShutdownReport,
  type HandlerContext,
  InlineBackend,
  InProcessBackend,
  type SubmitResult,
  type TaskBackend,
  type TaskSpec,
} from '../../src/index.js';
import { silentLogger } from '../helpers.js';

test('the public backend types fit together', async () => {
  const backends: TaskBackend[] = [
    new InlineBackend({ logger: silentLogger, runtime: false }),
    new InProcessBackend({ logger: silentLogger, runtime: false }),
  ];
  for (const backend of backends) {
    backend.register<{ to: string }>('email', (payload, ctx: HandlerContext) => {
      const to: string = payload.to;
      // @ts-expect-error the payload type is what register was given
      const wrong: number = payload.to;
      return [to, wrong, ctx.token.isCancelled];
    });
    // @ts-expect-error a handler takes (payload, ctx)
    assert.throws(() => backend.register('bad', 'not a function'));
    await backend.start();
    const spec: TaskSpec<{ to: string }> = { type: 'email', payload: { to: 'a@example.com' } };
    const submitted: Promise<SubmitResult> = backend.submit(spec);
    const { id } = await submitted;
    const cancelled: Promise<boolean> = backend.cancel(id, 'no longer needed');
    assert.equal(typeof (await cancelled), 'boolean');
    // @ts-expect-error a spec needs a type
    await backend.submit({ payload: null }).catch(() => {});
    const report: BackendShutdownReport = await backend.shutdown({ timeout: 1_000 });
    assert.deepEqual(report.cancelled, []);
  }
});
