// A pg-boss process for the Postgres benchmark: `workers` calls of `work('noop', …)` (pg-boss 10
// runs one job batch at a time per `work()` call, so this is its concurrency), each handler a
// no-op over its batch (see pg-boss.ts for the settings).

import PgBoss from 'pg-boss';
import { type BenchPayload, runWorkerChild } from './protocol.js';

export interface PgBossChildConfig {
  readonly connectionString: string;
  /** How many `work()` calls. */
  readonly workers: number;
  /** `work()` options; none at the defaults (batchSize 1, pollingIntervalSeconds 2). */
  readonly work?: { readonly batchSize?: number; readonly pollingIntervalSeconds?: number };
}

await runWorkerChild<PgBossChildConfig>(async (config, reporter) => {
  const boss = new PgBoss({ connectionString: config.connectionString });
  boss.on('error', (error) => {
    throw error;
  });
  await boss.start();
  const handler = async (jobs: PgBoss.Job<BenchPayload>[]): Promise<void> => {
    for (const job of jobs) {
      reporter.started(job.data);
      reporter.done();
    }
  };
  for (let i = 0; i < config.workers; i++) {
    await boss.work<BenchPayload>('noop', config.work ?? {}, handler);
  }
  return () => boss.stop({ graceful: true, wait: true, timeout: 3_000 });
});
