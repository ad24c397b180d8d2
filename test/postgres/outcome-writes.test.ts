// How a finished job's outcome is written, both engines: it never waits behind other jobs'
// events; while it cannot commit, its worker keeps renewing the job's lease, so no sweep hands
// it to another worker and it runs once; and an outcome refused because the lease was lost
// anyway is counted in `stats().leasesLost` and logged at warn with the job's id, never dropped
// silently; a write rolled back by a conflict with another statement (a deadlock) is written
// again, not dropped.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { captureLogger, deferred, waitFor, within } from '../helpers.js';
import { type Engine, engines } from './engines.js';
import { ended, makeBackend } from './helpers.js';

/**
 * Make every write that ends a job as succeeded fail with `sqlstate` (by default as a lost
 * connection would, 08006), so the worker keeps it and retries. Returns the function that lets
 * writes through.
 */
async function holdSuccesses(
  engine: Engine,
  schema: string,
  sqlstate = '08006',
): Promise<() => Promise<void>> {
  await engine.query(`CREATE FUNCTION "${schema}".hold_successes() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.state = 'succeeded' THEN
        RAISE EXCEPTION 'held by the test' USING ERRCODE = '${sqlstate}';
      END IF;
      RETURN NEW;
    END $$`);
  await engine.query(`CREATE TRIGGER hold BEFORE UPDATE ON "${schema}".jobs
    FOR EACH ROW EXECUTE FUNCTION "${schema}".hold_successes()`);
  return async () => {
    await engine.query(`DROP TRIGGER hold ON "${schema}".jobs`);
  };
}

/** The job's lease expiry, ms since the epoch. */
async function leaseExpiry(engine: Engine, schema: string, id: string): Promise<number> {
  const rows = await engine.query<{ at: number }>(
    `SELECT extract(epoch FROM lease_expires_at) * 1000 AS at FROM "${schema}".jobs WHERE id = $1`,
    [id],
  );
  return Number(rows[0]?.at);
}

for (const engine of await engines()) {
  describe(`PostgresBackend outcome writes: ${engine.name}`, () => {
    test("an outcome does not wait behind another job's flood of events", async () => {
      const schema = engine.newSchema();
      const worker = makeBackend(engine, { schema, leaseTimeout: 1_000 });
      const flooding = deferred();
      let emitted = 0;
      worker.register('flood', async (_payload, ctx) => {
        // Events keep coming, every turn of the event loop, until the task is cancelled.
        while (!ctx.token.isCancelled) {
          for (let i = 0; i < 200; i++) ctx.emit('tick', emitted++);
          flooding.resolve();
          await new Promise((resolve) => setImmediate(resolve));
        }
      });
      worker.register('quick', () => 'done');
      await worker.start();
      const flood = await worker.submit({ type: 'flood', payload: null });
      await within(flooding.promise);
      const quick = await worker.submit({ type: 'quick', payload: null });
      const info = await ended(worker, quick.id, 5_000);
      assert.equal(info.state, 'succeeded');
      assert.equal((await worker.getTask(flood.id))?.state, 'running');
      await worker.cancel(flood.id);
    });

    test('a finished job whose outcome cannot be written yet keeps its lease and runs once', async () => {
      const schema = engine.newSchema();
      const lease = 1_000;
      const worker = makeBackend(engine, { schema, leaseTimeout: lease });
      // A second worker sweeps expired leases too, and would run the job again.
      const other = makeBackend(engine, { schema, leaseTimeout: lease });
      let runs = 0;
      const ran = deferred();
      const handler = (): string => {
        runs++;
        ran.resolve();
        return 'done';
      };
      worker.register('t', handler);
      other.register('t', handler);
      await worker.start();
      const release = await holdSuccesses(engine, schema);
      const { id } = await worker.submit({ type: 't', payload: null });
      await within(ran.promise);
      await other.start();
      // Past three leases, the lease is still being renewed: the job is still held.
      const first = await leaseExpiry(engine, schema, id);
      await within(
        (async () => {
          while ((await leaseExpiry(engine, schema, id)) < first + 3 * lease) {
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        })(),
        { timeout: 10_000, what: 'the lease of the finished job to be renewed past three leases' },
      );
      assert.equal(runs, 1);
      await release();
      const info = await ended(worker, id);
      assert.deepEqual([info.state, info.result, info.errors], ['succeeded', 'done', []]);
      assert.equal(runs, 1);
      // Counted when the write's answer comes back, a moment after the record shows it.
      await waitFor(() => worker.stats().succeeded + other.stats().succeeded === 1, {
        what: 'the success to be counted',
      });
      assert.equal(worker.stats().leasesLost, 0);
    });

    test('an outcome write rolled back by a deadlock is written again, not dropped', async () => {
      const schema = engine.newSchema();
      const { logger, entries } = captureLogger();
      // A long lease: were the write dropped, the job would wait for it, and the test time out.
      const worker = makeBackend(engine, { schema, leaseTimeout: 60_000, logger });
      let runs = 0;
      worker.register('t', () => {
        runs++;
        return 'done';
      });
      await worker.start();
      const release = await holdSuccesses(engine, schema, '40P01');
      const { id } = await worker.submit({ type: 't', payload: null });
      await waitFor(() => entries.some((entry) => /conflicted/.test(entry.msg ?? '')), {
        timeout: 10_000,
        what: 'the conflicted write to be logged',
      });
      await release();
      const info = await ended(worker, id);
      assert.deepEqual([info.state, info.result, runs], ['succeeded', 'done', 1]);
      assert.equal(
        entries.filter((entry) => entry.level === 'error').length,
        0,
        'nothing was dropped',
      );
    });

    test('an outcome refused because the lease was lost is counted and logged with the job id', async () => {
      const schema = engine.newSchema();
      const { logger, entries } = captureLogger();
      // A long lease: no renewal comes between the takeover and the write of the outcome.
      const worker = makeBackend(engine, { schema, leaseTimeout: 60_000, logger });
      const steal = `UPDATE "${schema}".jobs SET locked_by = 'thief' WHERE id = $1`;
      worker.register('t', async (_payload, ctx) => {
        // Another worker takes the job over just before the handler returns.
        await engine.query(steal, [ctx.id]);
        return 'done';
      });
      await worker.start();
      const { id } = await worker.submit({ type: 't', payload: null });
      await waitFor(() => worker.stats().leasesLost === 1, {
        timeout: 10_000,
        what: 'the refused outcome to be counted',
      });
      assert.equal(worker.stats().succeeded, 0);
      const warning = entries.find((entry) => entry.level === 'warn' && entry.fields.taskId === id);
      assert.match(warning?.msg ?? '', /was refused: its lease was lost/);
      const rows = await engine.query<{ state: string; locked_by: string }>(
        `SELECT state, locked_by FROM "${schema}".jobs WHERE id = $1`,
        [id],
      );
      assert.deepEqual(rows[0], { state: 'running', locked_by: 'thief' });
    });
  });
}
