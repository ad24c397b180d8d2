// A fresh PostgreSQL database for one doc block that needs one: a block uses the default schema
// and migrates it, as a reader's would, so it gets a database of its own, dropped afterwards.

import pg from 'pg';

/** The tests' server: WARDEN_TEST_DATABASE_URL, or the local default. */
export const SERVER_URL =
  process.env.WARDEN_TEST_DATABASE_URL || 'postgres://root@127.0.0.1:5432/test';

/**
 * Whether the server answers. A configured WARDEN_TEST_DATABASE_URL must (else this throws);
 * the local default may be absent, and then the blocks that need it are skipped, saying why.
 */
export async function serverAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: SERVER_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch (error) {
    if (process.env.WARDEN_TEST_DATABASE_URL) {
      throw new Error(`WARDEN_TEST_DATABASE_URL=${SERVER_URL} is not reachable`, { cause: error });
    }
    return false;
  }
}

let made = 0;

/** Create an empty database; returns its URL and a function that drops it. */
export async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  made++;
  const name = `warden_docs_${process.pid}_${made}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // FORCE: a block that was killed may have left connections behind.
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: SERVER_URL, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
