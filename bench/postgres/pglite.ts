// The PGlite cases: PGlite is one connection inside one process, so the queue's client and its
// worker share the process (and the instance); there are no worker children.

import { PGlite } from '@electric-sql/pglite';
import PgBoss from 'pg-boss';
import { createConsoleLogger } from '../../src/index.js';
import { PostgresBackend } from '../../src/postgres/index.js';
import type { Environment } from './environment.js';
import type { BenchPayload } from './protocol.js';
import { Tally } from './tally.js';
import { wardenClient } from './warden.js';

/** pg-boss's `db` option over PGlite: parameterless SQL may hold several statements. */
function pgBossAdapter(db: PGlite): PgBoss.Db {
  return {
    async executeSql(text, values) {
      if (values === undefined || values.length === 0) {
        const results = await db.exec(text);
        return { rows: results.at(-1)?.rows ?? [] };
      }
      const { rows } = await db.query(text, values);
      return { rows };
    },
  };
}

/** The pg-boss settings of the PGlite case. */
export const pgBossPgliteSettings = (workers: number, work: object): string =>
  `PGlite.create() (in memory); new PgBoss({ db: { executeSql } }) over it (exec for parameterless SQL, query otherwise); ${workers} × boss.work("noop", ${JSON.stringify(work)}, handler), in the enqueuing process; bulk: boss.insert(), one: boss.send()`;

/** pg-boss on an in-memory PGlite, `workers` work() loops in this process. */
export async function openPgBossOnPglite(
  workers: number,
  work: { batchSize: number; pollingIntervalSeconds: number },
): Promise<Environment> {
  const db = await PGlite.create();
  const boss = new PgBoss({ db: pgBossAdapter(db) });
  const close = async (): Promise<void> => {
    try {
      await boss.stop({ graceful: true, wait: true, timeout: 3_000 });
    } catch (error) {
      process.stderr.write(`stopping pg-boss on PGlite: ${String(error)}\n`);
    }
    await db.close();
  };
  const tally = new Tally();
  try {
    boss.on('error', (error) => process.stderr.write(`pg-boss on PGlite: ${String(error)}\n`));
    await boss.start();
    await boss.createQueue('noop');
    for (let i = 0; i < workers; i++) {
      await boss.work<BenchPayload>('noop', work, async (jobs) => {
        for (const job of jobs) {
          tally.started(job.data);
          tally.ended();
        }
      });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return {
    client: {
      async enqueueBulk(payloads) {
        await boss.insert(payloads.map((data) => ({ name: 'noop', data })));
      },
      async enqueueOne(payload) {
        await boss.send('noop', payload);
      },
      async close() {},
    },
    observed: tally,
    async beforeRound() {
      await db.exec('VACUUM ANALYZE');
    },
    close,
  };
}

/** The Warden settings of the PGlite case. */
export const wardenPgliteSettings = (defaults: string): string =>
  `PGlite.create() (in memory); new PostgresBackend({ pglite: db, logger: silent, runtime: false }) (defaults: ${defaults}); register("noop", async handler); start(); the same backend enqueues (bulk: submitMany(), one: submit()) and works`;

/** Warden's PostgresBackend on an in-memory PGlite, enqueueing and working in this process. */
export async function openWardenOnPglite(): Promise<Environment> {
  const db = await PGlite.create();
  const backend = new PostgresBackend({
    pglite: db,
    logger: createConsoleLogger({ level: 'silent' }),
    runtime: false,
  });
  const close = async (): Promise<void> => {
    try {
      await backend.shutdown({ timeout: 1_000 });
    } catch (error) {
      process.stderr.write(`stopping Warden on PGlite: ${String(error)}\n`);
    }
    await db.close();
  };
  const tally = new Tally();
  try {
    backend.register<BenchPayload>('noop', async (payload) => {
      tally.started(payload);
      tally.ended();
    });
    await backend.start();
  } catch (error) {
    await close();
    throw error;
  }
  return {
    client: wardenClient(backend, async () => {}),
    observed: tally,
    async beforeRound() {
      await db.exec('VACUUM ANALYZE');
    },
    close,
  };
}
