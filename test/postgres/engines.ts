// The two engines every Postgres backend test runs on: PGlite (always; one in-memory instance
// per test file, a fresh schema per test) and a real PostgreSQL server when one is configured
// (WARDEN_TEST_DATABASE_URL, which must then be reachable) or reachable at the local default
// (postgres://root@127.0.0.1:5432/test). Each test file gets a fresh database on the server,
// dropped when the file ends.

import { after } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { PostgresBackendOptions } from '../../src/postgres/index.js';
import { silentLogger } from '../helpers.js';

/** The server the tests use when no URL is configured. */
export const DEFAULT_DATABASE_URL = 'postgres://root@127.0.0.1:5432/test';

/** One engine: how to make backend options on it, and raw SQL for assertions. */
export interface Engine {
  readonly name: 'pglite' | 'pg';
  /** Options for a backend on `schema` (a fresh one when omitted) with a silent logger. */
  options(
    schema?: string,
    extra?: Partial<PostgresBackendOptions>,
  ): PostgresBackendOptions & {
    schema: string;
  };
  /** A schema name no test of this file used yet. */
  newSchema(): string;
  /** Run SQL directly (for setting up and checking state). */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** The server's connection string for this file's database (pg only). */
  readonly connectionString?: string;
}

let schemas = 0;
function newSchema(): string {
  schemas++;
  return `t${process.pid}_${schemas}`;
}

let pglite: Promise<PGlite> | undefined;

function pgliteEngine(): Engine {
  const db = (): Promise<PGlite> => {
    if (pglite === undefined) {
      pglite = PGlite.create();
      after(async () => (await pglite)?.close());
    }
    return pglite;
  };
  let instance: PGlite | undefined;
  const engine: Engine = {
    name: 'pglite',
    newSchema,
    options(schema = newSchema(), extra = {}) {
      if (instance === undefined) throw new Error('await engine.ready() first');
      return { pglite: instance, schema, logger: silentLogger, runtime: false, ...extra };
    },
    async query(sql, params = []) {
      return (await (await db()).query(sql, params)).rows as never;
    },
  };
  (engine as EngineWithReady).ready = async () => {
    instance = await db();
  };
  return engine;
}

interface EngineWithReady extends Engine {
  ready(): Promise<void>;
}

async function serverEngine(): Promise<Engine | undefined> {
  const configured = process.env.WARDEN_TEST_DATABASE_URL;
  const url = configured || DEFAULT_DATABASE_URL;
  const admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await admin.connect();
  } catch (error) {
    if (configured) {
      throw new Error(`WARDEN_TEST_DATABASE_URL=${configured} is not reachable`, { cause: error });
    }
    return undefined;
  }
  const database = `warden_test_${process.pid}_${Date.now().toString(36)}`;
  await admin.query(`CREATE DATABASE "${database}"`);
  await admin.end();
  const target = new URL(url);
  target.pathname = `/${database}`;
  const connectionString = target.toString();
  const pool = new pg.Pool({ connectionString, max: 2 });
  pool.on('error', () => {});
  after(async () => {
    await pool.end();
    const cleanup = new pg.Client({ connectionString: url });
    await cleanup.connect();
    await cleanup.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await cleanup.end();
  });
  return {
    name: 'pg',
    newSchema,
    connectionString,
    options(schema = newSchema(), extra = {}) {
      return {
        connectionString,
        schema,
        logger: silentLogger,
        runtime: false,
        poolSize: 4,
        ...extra,
      };
    },
    async query(sql, params = []) {
      return (await pool.query(sql, params)).rows;
    },
  };
}

/** The engines to run on, ready to use. */
export async function engines(): Promise<Engine[]> {
  const list: Engine[] = [];
  const lite = pgliteEngine() as EngineWithReady;
  await lite.ready();
  list.push(lite);
  const server = await serverEngine();
  if (server !== undefined) list.push(server);
  return list;
}

/** The server engine alone (multi-process tests), or undefined when there is none. */
export async function serverOnly(): Promise<Engine | undefined> {
  return serverEngine();
}
