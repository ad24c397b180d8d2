// The example tasks `npm start` serves (`warden serve --tasks examples/tasks.ts`): open the
// dashboard, start them, watch their events, cancel them. Each shows one behaviour:
//
// - `countdown` `{ from?: 10, intervalMs?: 1000 }`: a `tick` and a `progress` event per step,
//   waiting with `sleep(ms, ctx.token)`, so a cancel stops it between ticks; returns `{ counted }`.
// - `fetch-url` `{ url }`: fetches a URL, streaming `progress` as the body arrives (see
//   examples/tasks/fetch-url.ts); cancelling aborts the request. Limited to 30 s.
// - `fail` `{ message?, afterMs?: 1000 }`: fails with a clear error after a moment (marked not
//   retryable, so it fails at once instead of being retried).
// - `long-running` `{ intervalMs?: 3000 }`: runs until cancelled, with a `heartbeat` event every
//   few seconds.
//
// From a shell, with `npm start` running:
//   warden submit countdown '{"from": 5}' --wait
//   warden submit long-running            # then: warden cancel <id>
// (`warden` is `node --import tsx src/cli/main.ts` in a clone of this repository.)

import type { TaskDefinitions } from '../src/coordinator/task-definitions.js';
import { InvalidArgumentError, sleep, type TaskDefinition } from '../src/index.js';
import { fetchUrl } from './tasks/fetch-url.js';

/** `countdown`'s input; `null` (no input) takes every default. */
export interface CountdownInput {
  /** Where to count down from. @default 10 */
  readonly from?: number;
  /** Milliseconds between ticks. @default 1000 */
  readonly intervalMs?: number;
}

/** Count down from `from`: `tick { remaining }` and `progress` each step. */
export const countdown: TaskDefinition<CountdownInput | null, { counted: number }> = async (
  ctx,
) => {
  const from = integer('input.from', ctx.input?.from ?? 10, 0, 100_000);
  const intervalMs = integer('input.intervalMs', ctx.input?.intervalMs ?? 1_000, 0, 3_600_000);
  for (let remaining = from; remaining > 0; remaining--) {
    ctx.emit('tick', { remaining });
    ctx.progress((from - remaining) / from);
    // Rejects with a CancelledError as soon as the task is cancelled: the task ends `cancelled`.
    await sleep(intervalMs, ctx.token);
  }
  ctx.progress(1);
  return { counted: from };
};

/** `fail`'s input. */
export interface FailInput {
  /** The error's message. @default 'this task always fails' */
  readonly message?: string;
  /** Milliseconds before it fails. @default 1000 */
  readonly afterMs?: number;
}

/** Fail after a moment, with a clear error. */
export const fail: TaskDefinition<FailInput | null, never> = async (ctx) => {
  const afterMs = integer('input.afterMs', ctx.input?.afterMs ?? 1_000, 0, 3_600_000);
  ctx.emit('about-to-fail', { inMs: afterMs });
  await sleep(afterMs, ctx.token);
  // `retryable: false`: a durable backend would otherwise retry it (three attempts by default).
  throw Object.assign(new Error(ctx.input?.message ?? 'this task always fails'), {
    retryable: false,
  });
};

/** `long-running`'s input. */
export interface LongRunningInput {
  /** Milliseconds between heartbeats. @default 3000 */
  readonly intervalMs?: number;
}

/** Run until cancelled, with a `heartbeat { beats, uptimeMs }` every `intervalMs`. */
export const longRunning: TaskDefinition<LongRunningInput | null, never> = async (ctx) => {
  const intervalMs = integer('input.intervalMs', ctx.input?.intervalMs ?? 3_000, 1, 3_600_000);
  const startedAt = Date.now();
  for (let beats = 1; ; beats++) {
    ctx.emit('heartbeat', { beats, uptimeMs: Date.now() - startedAt });
    await sleep(intervalMs, ctx.token);
  }
};

/** The kinds `warden serve --tasks examples/tasks.ts` defines. */
export const tasks = {
  countdown,
  'fetch-url': { run: fetchUrl, timeout: 30_000 },
  fail,
  'long-running': longRunning,
} satisfies TaskDefinitions;

/** Check a number in the input; a bad one fails the task at once (it is never retried). */
function integer(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(name, `an integer from ${min} to ${max}`, value);
  }
  return value;
}
