// Backend throughput: submit N no-op tasks to a concurrency-limited queue (1,000 at a time) and
// wait until all have completed. The baseline is p-queue with the same concurrency. Warden's
// backend does more per task: it checks the payload is plain JSON, gives the task a UUID, runs
// it as a Warden task with its own CancelToken, and counts and reports its outcome.

import PQueue from 'p-queue';
import { createConsoleLogger, InProcessBackend } from '../../src/index.js';
import type { BenchCase, CaseResult, Check, Suite } from '../lib/harness.js';
import { since } from '../lib/stats.js';

const CONCURRENCY = 1_000;
const logger = createConsoleLogger({ level: 'silent' });

/** The no-op task every contender runs, given a small payload. */
async function noop(_payload: { seq: number }): Promise<void> {}

function syncNoop(_payload: { seq: number }): void {}

const pQueue: BenchCase = {
  name: 'p-queue',
  note: `new PQueue({ concurrency: ${CONCURRENCY} }); queue.add(() => noop({ seq: i })) N times; await queue.onIdle().`,
  async run(n, probe) {
    const queue = new PQueue({ concurrency: CONCURRENCY });
    const start = performance.now();
    for (let i = 0; i < n; i++) {
      const payload = { seq: i };
      void queue.add(() => noop(payload));
    }
    probe.inFlight();
    await queue.onIdle();
    return since(start);
  },
};

function wardenCase(name: string, handler: (payload: { seq: number }) => unknown): BenchCase {
  return {
    name,
    note: `new InProcessBackend({ concurrency: ${CONCURRENCY} }); submit({ type, payload: { seq: i } }) N times (not awaited); await backend.onIdle().`,
    async run(n, probe) {
      const backend = new InProcessBackend({ concurrency: CONCURRENCY, logger, runtime: false });
      backend.register('noop', handler);
      await backend.start();
      const start = performance.now();
      for (let i = 0; i < n; i++) void backend.submit({ type: 'noop', payload: { seq: i } });
      probe.inFlight();
      await backend.onIdle();
      const ms = since(start);
      await backend.shutdown();
      const { succeeded } = backend.stats();
      if (succeeded !== n) throw new Error(`${name}: ${succeeded} of ${n} tasks succeeded`);
      return ms;
    },
  };
}

const warden = wardenCase('Warden InProcessBackend', noop);
const wardenSync = wardenCase('Warden, synchronous handler', syncNoop);

function find(results: readonly CaseResult[], name: string): CaseResult {
  const result = results.find((r) => r.name === name);
  if (result === undefined) throw new Error(`no result for ${name}`);
  return result;
}

const suite: Suite = {
  name: 'backend/in-process',
  title: `submit and complete N no-op tasks, concurrency ${CONCURRENCY.toLocaleString('en')}`,
  n: 1_000_000,
  cases: [pQueue, warden, wardenSync],
  notes: [
    'Every task is queued before the first one runs (the submits are one synchronous loop), so in-flight B/task is the cost of a queued task.',
    'Warden per task: payload check, crypto.randomUUID() id, a Task with its own CancelToken, the live-task table, stats.',
  ],
  checks(results): Check[] {
    const backend = find(results, warden.name);
    return [
      {
        label: 'InProcessBackend at least as fast as p-queue (≤ 1.0×)',
        pass: backend.ratio <= 1,
        detail: `${backend.ratio.toFixed(2)}×`,
      },
      {
        label: 'InProcessBackend retains no heap (< 1 MB after all rounds)',
        pass: backend.retainedBytes < 1024 * 1024,
        detail: `${(backend.retainedBytes / 1024).toFixed(1)} KB`,
      },
    ];
  },
};

export default suite;
