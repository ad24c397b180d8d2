// `warden migrate` creates the schema on a fresh database (the real PostgreSQL server, a new
// database per test) or in an embedded directory, reports what it applied, and applies nothing
// the second time.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { freshDatabase, query, runWarden, serverAvailable, tempDir } from './helpers.js';

const server = await serverAvailable();

test('migrate on a fresh PostgreSQL database, then again; --schema and WARDEN_DATABASE_URL', {
  skip: !server && 'no PostgreSQL server',
  timeout: 60_000,
}, async (t) => {
  const url = await freshDatabase(t);
  const first = await runWarden(['migrate', '--database', url]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(
    first.stdout,
    `Applied 000001.sql, 000002.sql, 000003.sql to schema 'warden' in ${url} (now at version 3)\n`,
  );
  assert.deepEqual(await query(url, 'SELECT id, name FROM warden.migrations'), [
    { id: 1, name: '000001.sql' },
    { id: 2, name: '000002.sql' },
    { id: 3, name: '000003.sql' },
  ]);

  const again = await runWarden(['migrate', '--json'], { env: { WARDEN_DATABASE_URL: url } });
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(JSON.parse(again.stdout), {
    applied: [],
    version: 3,
    schema: 'warden',
    database: url,
  });

  const other = await runWarden(['migrate', '--database', url, '--schema', 'jobs', '--json']);
  assert.equal(other.code, 0, other.stderr);
  assert.deepEqual(JSON.parse(other.stdout).applied, ['000001.sql', '000002.sql', '000003.sql']);
  assert.deepEqual(await query(url, 'SELECT count(*)::int AS n FROM jobs.jobs'), [{ n: 0 }]);
});

test('a password in --database is not printed', {
  skip: !server && 'no PostgreSQL server',
  timeout: 60_000,
}, async (t) => {
  const url = new URL(await freshDatabase(t));
  url.password = 'secret-password';
  const run = await runWarden(['migrate', '--database', url.toString()]);
  // The test server may or may not check passwords; either way the secret stays hidden.
  assert.doesNotMatch(run.stdout + run.stderr, /secret-password/);
});

test('migrate on an embedded directory', { timeout: 60_000 }, async (t) => {
  const dir = join(tempDir(t), 'data');
  const first = await runWarden(['migrate', '--data-dir', dir]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(
    first.stdout,
    `Applied 000001.sql, 000002.sql, 000003.sql to schema 'warden' in PGlite in ${dir} (now at version 3)\n`,
  );
  const again = await runWarden(['migrate', '--data-dir', dir]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, `Schema 'warden' in PGlite in ${dir} is up to date (version 3)\n`);
});
