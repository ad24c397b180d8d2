// A worker's multi-row writes (lease renewal, events, outcomes) lock job rows in id order,
// whatever plan PostgreSQL picks: a generic plan scans the running jobs by lease, which once let a
// renewal and an outcome write of the same worker deadlock; PostgreSQL broke the cycle only
// after a second, and every lease the two statements held ran out (jobs that had succeeded ran
// again). Each statement is run on rows `a` and `b` (`b`'s lease ends first) while another
// transaction holds `a`: it must wait there holding nothing, so that `b` can still be taken.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import type { Statement } from '../../src/postgres/driver.js';
import { migrate } from '../../src/postgres/index.js';
import { completeJobs } from '../../src/postgres/sql/complete-jobs.js';
import { insertEvents } from '../../src/postgres/sql/insert-events.js';
import { renewLeases } from '../../src/postgres/sql/renew-leases.js';
import { type SchemaNames, schemaNames } from '../../src/postgres/sql/statement.js';
import { serverOnly } from './engines.js';

const server = await serverOnly();
const url = server?.connectionString ?? '';
const WORKER = 'w-lock-order';
const IDS = ['a', 'b'];

interface Case {
  readonly name: string;
  readonly statement: (schema: SchemaNames) => Statement;
  readonly params: (schema: SchemaNames) => unknown[];
}

const cases: Case[] = [
  {
    name: 'the lease renewal',
    statement: renewLeases,
    params: () => [WORKER, IDS, JSON.stringify({ a: 1, b: 1 }), 1_000],
  },
  {
    name: 'an outcome write',
    statement: completeJobs,
    params: (s) => [
      WORKER,
      IDS,
      JSON.stringify({ a: { a: 1, o: 'succeeded', s: 1 }, b: { a: 1, o: 'succeeded', s: 1 } }),
      s.channel,
    ],
  },
  {
    name: 'an events write',
    statement: insertEvents,
    params: (s) => [
      WORKER,
      IDS,
      JSON.stringify({ a: { a: 1, s: 1 }, b: { a: 1, s: 1 } }),
      IDS,
      [1, 1],
      ['note', 'note'],
      ['{}', '{}'],
      [Date.now(), Date.now()],
      s.channel,
    ],
  },
];

describe('job row locks are taken in id order', { skip: !server && 'no PostgreSQL server' }, () => {
  const clients: pg.Client[] = [];
  const connect = async (): Promise<pg.Client> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    clients.push(client);
    return client;
  };
  after(() => Promise.all(clients.map((client) => client.end())));

  for (const { name, statement, params } of cases) {
    for (const planMode of ['force_generic_plan', 'force_custom_plan']) {
      test(`${name} (${planMode}) waits holding no row it has not reached`, async () => {
        const schema = server?.newSchema() as string;
        const names = schemaNames(schema);
        await migrate({ connectionString: url, schema });
        // A table of finished jobs, so that a scan of the few running ones by lease is a plan
        // worth taking.
        await server?.query(
          `INSERT INTO "${schema}".jobs (id, type, payload, state, locked_by, attempts,
             attempt_started, lease_expires_at)
           SELECT id, 't', 'null'::json, 'running', $1, 1, true, now() + lease * interval '1 s'
           FROM (VALUES ('a', 60), ('b', 30)) AS v(id, lease)
           UNION ALL
           SELECT 'z' || g, 't', 'null'::json, 'succeeded', NULL, 1, true, NULL
           FROM generate_series(1, 20000) g`,
          [WORKER],
        );
        await server?.query(`ANALYZE "${schema}".jobs`);

        const holder = await connect();
        const writer = await connect();
        const prober = await connect();
        await writer.query(`SET plan_cache_mode = ${planMode}`);
        const writerPid = (await writer.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))
          .rows[0]?.pid;
        await holder.query('BEGIN');
        await holder.query(`SELECT id FROM "${schema}".jobs WHERE id = 'a' FOR UPDATE`);

        const written = writer.query({ ...statement(names), values: params(names) });
        // The writer is blocked once it waits for a's lock.
        for (;;) {
          const waiting = await prober.query(
            `SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`,
            [writerPid],
          );
          if (waiting.rowCount === 1) break;
        }
        // b comes after a: the writer must not hold it yet.
        const probe = await prober
          .query(`SELECT id FROM "${schema}".jobs WHERE id = 'b' FOR UPDATE NOWAIT`)
          .then(
            () => 'free',
            (error: { code?: string }) => error.code,
          );
        await holder.query('COMMIT');
        const rows = (await written).rows;
        assert.equal(probe, 'free', 'the writer locked b before a (55P03: b was held)');
        assert.ok(rows.length >= 1, 'the statement went on once a was free');
      });
    }
  }
});
