// An embedded database runs PostgreSQL in single-user mode, where autovacuum never runs: the
// backend vacuums its tables itself (at start, then every ten seconds), so the dead rows every
// job leaves behind (claim, start, outcome, retention) are reclaimed and the tables stay level.
// A PostgreSQL server is left to its own autovacuum.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { within } from '../helpers.js';
import { engines } from './engines.js';
import { ended, makeBackend } from './helpers.js';

const engine = (await engines()).find((each) => each.name === 'pglite');

async function vacuums(schema: string): Promise<number> {
  const rows = await engine?.query<{ n: number }>(
    `SELECT vacuum_count::int AS n FROM pg_stat_user_tables
     WHERE schemaname = $1 AND relname = 'jobs'`,
    [schema],
  );
  return rows?.[0]?.n ?? 0;
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  await within(
    (async () => {
      while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 100));
    })(),
    { timeout: 20_000, what },
  );
}

describe('PostgresBackend on PGlite vacuums its own tables', () => {
  test('at start, and again while jobs run', async () => {
    const schema = engine?.newSchema() as string;
    const backend = makeBackend(engine as never, { schema });
    backend.register('t', (n) => n);
    await backend.start();
    await until(async () => (await vacuums(schema)) >= 1, 'the vacuum at start');
    const first = await vacuums(schema);
    const ids = await Promise.all(
      Array.from({ length: 500 }, (_, i) => backend.submit({ type: 't', payload: i })),
    );
    for (const { id } of ids) assert.equal((await ended(backend, id)).state, 'succeeded');
    await until(async () => (await vacuums(schema)) > first, 'a vacuum after the jobs ran');
    const dead = await engine?.query<{ n: number }>(
      `SELECT n_dead_tup::int AS n FROM pg_stat_user_tables
       WHERE schemaname = $1 AND relname = 'jobs'`,
      [schema],
    );
    assert.ok((dead?.[0]?.n ?? 0) < 500, `dead rows left: ${dead?.[0]?.n}`);
  });
});
