// A fresh PostgreSQL database for one doc block that needs one: a block uses the default schema
// and migrates it, as a reader's would, so it gets a database of its own, dropped afterwards.

import pg from 'pg';
import { SERVER_URL } from '../cli/helpers.js';

// The same server, and the same check for it, as the other tests.
export { SERVER_URL, serverAvailable } from '../cli/helpers.js';

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
