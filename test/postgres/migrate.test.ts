// Schema migrations and connection failures, both engines: migrate() creates the schema once,
// concurrent migrations wait for each other, a database newer than the code is refused, a
// backend with `migrate: false` checks the version, and an unreachable server is a typed error.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type ConnectionOptions,
  DatabaseUnavailableError,
  MigrationFailedError,
  migrate,
  PostgresBackend,
} from '../../src/postgres/index.js';
import { rejectionOf, silentLogger, unknownOption } from '../helpers.js';
import { type Engine, engines } from './engines.js';
import { makeBackend } from './helpers.js';

/** Where `migrate()` finds the database: the engine's options without the backend's own. */
function target(engine: Engine, name?: string): { schema: string; connection: ConnectionOptions } {
  const { schema, runtime: _backendOnly, ...connection } = engine.options(name);
  return { schema, connection };
}

for (const engine of await engines()) {
  describe(`PostgresBackend migrations: ${engine.name}`, () => {
    test('migrate() creates the schema once; later calls apply nothing', async () => {
      const { schema, connection } = target(engine);
      const first = await migrate({ ...connection, schema });
      assert.deepEqual(first, {
        applied: ['000001.sql', '000002.sql', '000003.sql'],
        version: 3,
      });
      const again = await migrate({ ...connection, schema });
      assert.deepEqual(again, { applied: [], version: 3 });
      const rows = await engine.query<{ id: number; name: string }>(
        `SELECT id, name FROM "${schema}".migrations`,
      );
      assert.deepEqual(rows, [
        { id: 1, name: '000001.sql' },
        { id: 2, name: '000002.sql' },
        { id: 3, name: '000003.sql' },
      ]);
    });

    test('migration 2 upgrades a version-1 schema: attempts numbered by position', async () => {
      const { schema, connection } = target(engine);
      await migrate({ ...connection, schema });
      // Back to version 1, with a job that started twice under it.
      await engine.query(
        `ALTER TABLE "${schema}".jobs DROP COLUMN attempt_nums, DROP COLUMN attempt_started`,
      );
      await engine.query(`DELETE FROM "${schema}".migrations WHERE id >= 2`);
      await engine.query(
        `INSERT INTO "${schema}".jobs (id, type, payload, attempt_seqs, attempt_times)
         VALUES ('old', 't', 'null', '{1,3}', ARRAY[now(), now()]), ('new', 't', 'null', '{}', '{}')`,
      );
      assert.deepEqual(await migrate({ ...connection, schema }), {
        applied: ['000002.sql', '000003.sql'],
        version: 3,
      });
      const rows = await engine.query<{ id: string; attempt_nums: number[] }>(
        `SELECT id, attempt_nums FROM "${schema}".jobs ORDER BY id`,
      );
      assert.deepEqual(rows, [
        { id: 'new', attempt_nums: [] },
        { id: 'old', attempt_nums: [1, 2] },
      ]);
    });

    test('migration 3 marks the running jobs whose current attempt has started', async () => {
      const { schema, connection } = target(engine);
      await migrate({ ...connection, schema });
      await engine.query(`ALTER TABLE "${schema}".jobs DROP COLUMN attempt_started`);
      await engine.query(`DELETE FROM "${schema}".migrations WHERE id = 3`);
      // 'began' runs attempt 2, which has its `started`; 'claimed' was claimed for attempt 2 and
      // waits in a worker's prefetch; 'queued' is not running at all.
      await engine.query(
        `INSERT INTO "${schema}".jobs (id, type, payload, state, attempts, attempt_seqs,
           attempt_times, attempt_nums)
         VALUES ('began', 't', 'null', 'running', 2, '{1,2}', ARRAY[now(), now()], '{1,2}'),
           ('claimed', 't', 'null', 'running', 2, '{1}', ARRAY[now()], '{1}'),
           ('queued', 't', 'null', 'queued', 1, '{1}', ARRAY[now()], '{1}')`,
      );
      assert.deepEqual(await migrate({ ...connection, schema }), {
        applied: ['000003.sql'],
        version: 3,
      });
      const rows = await engine.query<{ id: string; attempt_started: boolean }>(
        `SELECT id, attempt_started FROM "${schema}".jobs ORDER BY id`,
      );
      assert.deepEqual(rows, [
        { id: 'began', attempt_started: true },
        { id: 'claimed', attempt_started: false },
        { id: 'queued', attempt_started: false },
      ]);
    });

    test('several processes migrating at once apply each migration exactly once', async () => {
      const { schema, connection } = target(engine);
      const results = await Promise.all([0, 1, 2, 3].map(() => migrate({ ...connection, schema })));
      // Each migration once, whichever process applied it (results come in caller order).
      const applied = results.flatMap((result) => result.applied).sort();
      assert.deepEqual(applied, ['000001.sql', '000002.sql', '000003.sql']);
      const backends = [0, 1].map(() => makeBackend(engine, { schema }));
      await Promise.all(backends.map((backend) => backend.start()));
    });

    test('a database newer than this code is refused', async () => {
      const { schema, connection } = target(engine);
      await migrate({ ...connection, schema });
      await engine.query(
        `INSERT INTO "${schema}".migrations (id, name) VALUES (999, '000999.sql')`,
      );
      const error = await rejectionOf(migrate({ ...connection, schema }));
      assert.ok(error instanceof MigrationFailedError, String(error));
      assert.match(error.message, /newer than this version/);
      const backend = makeBackend(engine, { schema });
      assert.ok((await rejectionOf(backend.start())) instanceof MigrationFailedError);
    });

    test('a failed migration leaves nothing behind', async () => {
      const { schema, connection } = target(engine);
      // A table in the way makes migration 1 fail half-way through.
      await engine.query(`CREATE SCHEMA "${schema}"`);
      await engine.query(`CREATE TABLE "${schema}".events (x int)`);
      const error = await rejectionOf(migrate({ ...connection, schema }));
      assert.ok(error instanceof MigrationFailedError, String(error));
      assert.equal(error.migration, '000001.sql');
      const tables = await engine.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`,
        [schema],
      );
      assert.deepEqual(
        tables.map((row) => row.table_name),
        ['events'],
      );
    });

    test('migrate() refuses an unknown option key and takes every one of its own', async () => {
      const { schema, connection } = target(engine);
      assert.ok(
        unknownOption("migrate options: unknown option 'schemaName' (did you mean 'schema'?)")(
          await rejectionOf(migrate({ ...connection, schemaName: schema } as never)),
        ),
      );
      assert.ok(
        unknownOption(
          "migrate options: unknown option 'concurrency'; valid options: connectionString, logger, pglite, poolConfig, poolSize, schema",
        )(await rejectionOf(migrate({ ...connection, schema, concurrency: 1 } as never))),
      );
      assert.ok(
        unknownOption("migrate options.pglite: unknown option 'datadir' (did you mean 'dataDir'?)")(
          await rejectionOf(migrate({ pglite: { datadir: '/tmp/x' } } as never)),
        ),
      );
      const full = {
        ...connection,
        schema,
        logger: silentLogger,
        poolSize: 1,
        poolConfig: { connectionTimeoutMillis: 5_000 },
      };
      const { version } = await migrate(full);
      assert.deepEqual(await migrate(full), { applied: [], version });
    });

    test('with migrate: false, start() checks the schema is up to date', async () => {
      const schema = engine.newSchema();
      const unmigrated = makeBackend(engine, { schema, migrate: false });
      const error = await rejectionOf(unmigrated.start());
      assert.ok(error instanceof MigrationFailedError);
      assert.match(error.message, /run migrate\(\)/);
      assert.equal(unmigrated.state, 'created');
      const { connection } = target(engine, schema);
      await migrate({ ...connection, schema });
      const backend = makeBackend(engine, { schema, migrate: false });
      await backend.start();
      assert.equal(backend.health().status, 'ok');
    });
  });
}

describe('PostgresBackend connection failures', () => {
  test('an unreachable server: start() rejects with DatabaseUnavailableError and may be retried', async () => {
    const backend = new PostgresBackend({
      connectionString: 'postgres://nobody@127.0.0.1:1/none',
      logger: silentLogger,
      runtime: false,
    });
    const error = await rejectionOf(backend.start());
    assert.ok(error instanceof DatabaseUnavailableError, String(error));
    assert.equal(error.code, 'WARDEN_ERR_DATABASE_UNAVAILABLE');
    assert.equal(backend.state, 'created');
    assert.deepEqual(backend.health(), { status: 'degraded', database: false, listener: false });
    const again = await rejectionOf(backend.start());
    assert.ok(again instanceof DatabaseUnavailableError);
    await backend.shutdown();
  });
});
