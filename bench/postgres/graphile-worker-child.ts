// A graphile-worker process for the Postgres benchmark: `run()` with a no-op `noop` task, at
// the concurrency and preset the parent passes (see graphile-worker.ts for the settings).

import { Logger, run } from 'graphile-worker';
import { type BenchPayload, runWorkerChild } from './protocol.js';

export interface GraphileChildConfig {
  readonly connectionString: string;
  readonly concurrency: number;
  /** `preset.worker` overrides (localQueue, completeJobBatchDelay…); none at the defaults. */
  readonly worker?: Record<string, unknown>;
}

/** graphile-worker's default logger prints a line per job; every contender logs nothing. */
const silent = new Logger(() => () => {});

await runWorkerChild<GraphileChildConfig>(async (config, reporter) => {
  const runner = await run({
    connectionString: config.connectionString,
    concurrency: config.concurrency,
    noHandleSignals: true,
    logger: silent,
    ...(config.worker === undefined ? {} : { preset: { worker: config.worker } }),
    taskList: {
      noop: async (payload) => {
        reporter.started(payload as BenchPayload);
        reporter.done();
      },
    },
  });
  return () => runner.stop();
});
