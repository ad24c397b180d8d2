// Where one case runs: a system's client, the workers draining its queue, and a way to observe
// them. Postgres cases get a fresh database each (created, then dropped when the case ends) and
// worker child processes; PGlite cases an in-memory PGlite and an in-process worker.

import pg from 'pg';
import type { QueueClient, WorkerVariant } from './contender.js';
import { createDatabase } from './database.js';
import { Fleet } from './fleet.js';
import type { Observed } from './measure.js';

/** One case's system, workers and observation. */
export interface Environment {
  readonly client: QueueClient;
  readonly observed: Observed;
  /** Untimed, before every throughput round: `VACUUM ANALYZE`, as autovacuum would in time. */
  beforeRound(): Promise<void>;
  /** Stop the workers, close the client, drop the database. Never rejects. */
  close(): Promise<void>;
}

/** `variant` on `processes` worker child processes, on a database of its own. */
export async function openFleet(variant: WorkerVariant, processes: number): Promise<Environment> {
  const db = await createDatabase(variant.system.key);
  let client: QueueClient | undefined;
  let fleet: Fleet | undefined;
  let admin: pg.Client | undefined;
  const close = async (): Promise<void> => {
    await fleet?.stop();
    await client?.close().catch((error: unknown) => warn('closing the client', error));
    await admin?.end().catch((error: unknown) => warn('closing the admin connection', error));
    await db.drop();
  };
  try {
    client = await variant.system.open(db.url);
    fleet = await Fleet.start(variant.script, variant.childConfig(db.url), processes);
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
  } catch (error) {
    await close();
    throw error;
  }
  const connection = admin;
  return {
    client,
    observed: fleet,
    async beforeRound() {
      await connection.query('VACUUM ANALYZE');
    },
    close,
  };
}

function warn(what: string, error: unknown): void {
  process.stderr.write(`${what}: ${String(error)}\n`);
}
