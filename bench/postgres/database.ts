// A throw-away database per system per run on the local PostgreSQL (trust auth), dropped at the
// end even when the run fails.

import pg from 'pg';

/** The server every Postgres measurement runs against; override with WARDEN_BENCH_PG. */
export const serverUrl = process.env.WARDEN_BENCH_PG ?? 'postgres://root@127.0.0.1:5432/test';

/** A database made for one system in this run. */
export interface BenchDatabase {
  readonly name: string;
  readonly url: string;
  /** Drop it (disconnecting anything still connected). Never rejects. */
  drop(): Promise<void>;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** `CREATE DATABASE warden_bench_<system>_<pid>` (dropping a stale one of that name first). */
export async function createDatabase(system: string): Promise<BenchDatabase> {
  const name = `warden_bench_${system.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${process.pid}`;
  await admin(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${name}`);
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      try {
        await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      } catch (error) {
        process.stderr.write(`could not drop database ${name}: ${String(error)}\n`);
      }
    },
  };
}

/** The server's version line and the settings that matter to a queue's throughput. */
export async function describeServer(): Promise<string> {
  return admin(async (client) => {
    const { rows } = await client.query<{ name: string; setting: string; unit: string | null }>(
      `SELECT name, setting, unit FROM pg_settings
        WHERE name IN ('server_version', 'shared_buffers', 'synchronous_commit', 'fsync', 'max_connections', 'wal_level')
        ORDER BY name`,
    );
    return rows.map((row) => `${row.name}=${row.setting}${row.unit ?? ''}`).join(', ');
  });
}

/**
 * Drop the `warden_bench_*_<pid>` databases of benchmark runs that are gone (killed before their
 * teardown could drop them). Returns their names.
 */
export async function dropStaleDatabases(): Promise<string[]> {
  return admin(async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'warden\\_bench\\_%'`,
    );
    const stale = rows
      .map((row) => row.datname)
      .filter((name) => {
        const pid = Number(/_(\d+)$/.exec(name)?.[1]);
        return Number.isInteger(pid) && pid !== process.pid && !isAlive(pid);
      });
    for (const name of stale) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    return stale;
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
