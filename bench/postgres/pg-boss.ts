// pg-boss as a contender: the parent enqueues with `insert()` in bulk and `send()` one at a
// time; workers run pg-boss-child.ts.

import { createRequire } from 'node:module';
import PgBoss from 'pg-boss';
import type { QueueSystem, WorkerVariant } from './contender.js';
import type { PgBossChildConfig } from './pg-boss-child.js';

const version = (createRequire(import.meta.url)('pg-boss/package.json') as { version: string })
  .version;
const script = new URL('./pg-boss-child.ts', import.meta.url);

export const pgBoss: QueueSystem = {
  key: 'pgboss',
  name: `pg-boss ${version}`,
  enqueueSettings:
    'new PgBoss({ connectionString, supervise: false, schedule: false }); createQueue("noop"); bulk: boss.insert([{ name: "noop", data }…]); one: boss.send("noop", data)',
  async open(url) {
    const boss = new PgBoss({ connectionString: url, supervise: false, schedule: false });
    boss.on('error', (error) => process.stderr.write(`pg-boss (parent): ${String(error)}\n`));
    await boss.start();
    await boss.createQueue('noop');
    return {
      async enqueueBulk(payloads) {
        await boss.insert(payloads.map((data) => ({ name: 'noop', data })));
      },
      async enqueueOne(payload) {
        await boss.send('noop', payload);
      },
      close: () => boss.stop({ graceful: false, wait: true }),
    };
  },
};

/** pg-boss at its defaults: `workers` plain `work()` calls (batchSize 1, a 2 s poll). */
export function pgBossDefaults(workers: number): WorkerVariant {
  return {
    system: pgBoss,
    label: 'pg-boss, defaults',
    settings: `new PgBoss({ connectionString }) (every constructor default: pg pool max 10, maintenance every 120 s); ${workers} × boss.work("noop", handler) (defaults: batchSize 1, pollingIntervalSeconds 2)`,
    script,
    childConfig: (url) => ({ connectionString: url, workers }) satisfies PgBossChildConfig,
    throughputN: 20,
  };
}

/** pg-boss with batches of 100 and the shortest poll it allows (0.5 s). */
export function pgBossTuned(workers: number): WorkerVariant {
  const work = { batchSize: 100, pollingIntervalSeconds: 0.5 };
  return {
    system: pgBoss,
    label: 'pg-boss, tuned',
    settings: `new PgBoss({ connectionString }); ${workers} × boss.work("noop", ${JSON.stringify(work)}, handler)`,
    script,
    childConfig: (url) => ({ connectionString: url, workers, work }) satisfies PgBossChildConfig,
    throughputN: 3_000,
  };
}
