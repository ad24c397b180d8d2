// Type-level checks of the task-module format (`tsc` fails when they break): a module's kinds
// may be typed definitions, inline functions with an untyped input, or { run, timeout }; other
// shapes do not type-check.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TaskDefinitions } from '../../src/coordinator/task-definitions.js';
import type { TaskDefinition } from '../../src/index.js';

const typed: TaskDefinition<{ n: number }, { doubled: number }> = (ctx) => ({
  doubled: ctx.input.n * 2,
});

const tasks = {
  typed,
  inline: async (ctx) => `hello, ${ctx.input?.name ?? 'world'}`,
  withTimeout: { run: typed, timeout: 1_000 },
} satisfies TaskDefinitions;

// @ts-expect-error: an entry must be a function or { run, timeout? }
const notAFunction = { a: 42 } satisfies TaskDefinitions;
// @ts-expect-error: `run` is required
const noRun = { a: { timeout: 5 } } satisfies TaskDefinitions;
// @ts-expect-error: the timeout is a number
const badTimeout = { a: { run: typed, timeout: '5s' } } satisfies TaskDefinitions;

test('the task-module types accept what the loader accepts', () => {
  assert.deepEqual(Object.keys(tasks), ['typed', 'inline', 'withTimeout']);
  assert.ok(notAFunction && noRun && badTimeout);
});
