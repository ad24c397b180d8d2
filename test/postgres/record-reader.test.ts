// getTask reads the records asked for in one event-loop turn with one statement: fifty requests
// that each read the task they just submitted cost the embedded database one read, not fifty.
// Counted on a real PGlite whose query method is wrapped to count the reads.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { PostgresBackend } from '../../src/postgres/index.js';
import { silentLogger } from '../helpers.js';

test('records asked for in one turn are read by one statement, each answered with its own', async (t) => {
  const db = await PGlite.create();
  t.after(() => db.close());
  let reads = 0;
  const query = db.query.bind(db);
  db.query = ((text: string, ...rest: never[]) => {
    if (text.includes('WHERE j.id = ANY')) reads++;
    return query(text, ...rest);
  }) as typeof db.query;
  const backend = new PostgresBackend({
    pglite: db,
    concurrency: 0,
    types: { t: {} },
    logger: silentLogger,
    runtime: false,
  });
  t.after(() => backend.shutdown());
  await backend.start();
  const submitted = await backend.submitMany(
    Array.from({ length: 50 }, (_, i) => ({ type: 't', payload: { i } })),
  );
  reads = 0;
  const records = await Promise.all(
    [...submitted.map(({ id }) => id), 'no-such-task'].map((id) => backend.getTask(id)),
  );
  assert.equal(reads, 1);
  assert.deepEqual(
    records.slice(0, 50).map((record) => record?.payload),
    submitted.map((_, i) => ({ i })),
  );
  assert.equal(records[50], undefined);
  // The same id twice in one turn: both callers get it.
  const [a, b] = await Promise.all([
    backend.getTask(submitted[0]?.id ?? ''),
    backend.getTask(submitted[0]?.id ?? ''),
  ]);
  assert.equal(a?.id, b?.id);
});
