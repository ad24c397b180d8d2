// graphile-worker as a contender: the parent adds jobs with WorkerUtils (`addJobs` in bulk,
// `addJob` one at a time); workers run graphile-worker-child.ts.

import { createRequire } from 'node:module';
import { Logger, makeWorkerUtils } from 'graphile-worker';
import type { QueueSystem, WorkerVariant } from './contender.js';
import type { GraphileChildConfig } from './graphile-worker-child.js';

const version = (
  createRequire(import.meta.url)('graphile-worker/package.json') as { version: string }
).version;
const silent = new Logger(() => () => {});
const script = new URL('./graphile-worker-child.ts', import.meta.url);

export const graphileWorker: QueueSystem = {
  key: 'graphile',
  name: `graphile-worker ${version}`,
  enqueueSettings:
    'makeWorkerUtils({ connectionString }), migrate(); bulk: utils.addJobs([{ identifier: "noop", payload }…]); one: utils.addJob("noop", payload)',
  async open(url) {
    const utils = await makeWorkerUtils({ connectionString: url, logger: silent });
    await utils.migrate();
    return {
      async enqueueBulk(payloads) {
        await utils.addJobs(payloads.map((payload) => ({ identifier: 'noop', payload })));
      },
      async enqueueOne(payload) {
        await utils.addJob('noop', payload);
      },
      async close() {
        await utils.release();
      },
    };
  },
};

/** graphile-worker at its defaults but for the concurrency (its default is 1). */
export function graphileDefaults(concurrency: number): WorkerVariant {
  return {
    system: graphileWorker,
    label: 'graphile-worker, defaults',
    settings: `run({ connectionString, concurrency: ${concurrency}, noHandleSignals: true, logger: silent, taskList: { noop } }); everything else default (pollInterval 2000, maxPoolSize 10, no localQueue, completeJobBatchDelay -1, failJobBatchDelay -1, preparedStatements on)`,
    script,
    childConfig: (url) => ({ connectionString: url, concurrency }) satisfies GraphileChildConfig,
    throughputN: 2_000,
  };
}

/**
 * graphile-worker tuned for throughput: a local queue of 500 jobs, completions and failures
 * batched with no delay (`0`; the default `-1` completes each job with its own query).
 */
export function graphileTuned(concurrency: number): WorkerVariant {
  const worker = { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 };
  return {
    system: graphileWorker,
    label: 'graphile-worker, tuned',
    settings: `as the defaults, plus preset: { worker: ${JSON.stringify(worker)} }`,
    script,
    childConfig: (url) =>
      ({ connectionString: url, concurrency, worker }) satisfies GraphileChildConfig,
  };
}
