// The databases a chaos run uses: a fresh database on a PostgreSQL server (made for the run and
// dropped after), and one SQL interface over a server or over a PGlite data directory, so the
// figures of both engines come from the same queries.

import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/** The shared test server (never stopped by this suite). */
export const SHARED_SERVER_URL =
  process.env.WARDEN_TEST_DATABASE_URL || 'postgres://root@127.0.0.1:5432/test';

/** Raw SQL on a database, for the harness's own reads. */
export interface Sql {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  close(): Promise<void>;
}

/** A database made for one run; `drop()` removes it, whoever is still connected. */
export interface RunDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/** True when the server at `url` answers (within 3 s). */
export async function serverAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/** `CREATE DATABASE chaos_<random>` on the server at `serverUrl`. */
export async function createDatabase(serverUrl = SHARED_SERVER_URL): Promise<RunDatabase> {
  const name = `chaos_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  await adminQuery(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

async function adminQuery(serverUrl: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** SQL over a server database (a small pool; idle errors during an outage are ignored). */
export function serverSql(url: string): Sql {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => {});
  return {
    query: async (text, params = []) => (await pool.query(text, params)).rows,
    close: () => pool.end(),
  };
}

/** SQL over a PGlite data directory, opened here: only once no other process has it open. */
export async function pgliteSql(dataDir: string): Promise<Sql> {
  const db = await PGlite.create({ dataDir });
  return {
    query: async (text, params = []) => (await db.query(text, params)).rows as never,
    close: () => db.close(),
  };
}
