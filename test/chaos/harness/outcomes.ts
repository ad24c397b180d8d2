// What the queue says at the end of a run: each job's state, attempts and error history, read
// with SQL from `<schema>.jobs` (the same query on a server and on PGlite); and a bounded poll
// until every submitted job has reached a final state.

import { setTimeout as delay } from 'node:timers/promises';
import type { Sql } from './database.js';

/** One entry of a job's error history (`errors`). */
export interface AttemptErrorRow {
  readonly name?: string;
  readonly message?: string;
  readonly code?: string;
  readonly attempt: number;
  readonly at: number;
}

/** A job as the queue holds it. */
export interface JobOutcome {
  readonly id: string;
  readonly state: string;
  readonly attempts: number;
  readonly errors: readonly AttemptErrorRow[];
}

/** Every job of `schema`, by id. */
export async function readOutcomes(sql: Sql, schema: string): Promise<Map<string, JobOutcome>> {
  const rows = await sql.query<{ id: string; state: string; attempts: number; errors: unknown }>(
    `SELECT id, state, attempts, errors FROM "${schema}".jobs`,
  );
  const outcomes = new Map<string, JobOutcome>();
  for (const row of rows) {
    const errors = (typeof row.errors === 'string' ? JSON.parse(row.errors) : row.errors) as
      | AttemptErrorRow[]
      | null;
    outcomes.set(row.id, {
      id: row.id,
      state: row.state,
      attempts: row.attempts,
      errors: errors ?? [],
    });
  }
  return outcomes;
}

/** How many jobs of `schema` are in each state. */
export async function stateCounts(sql: Sql, schema: string): Promise<Record<string, number>> {
  const rows = await sql.query<{ state: string; n: number }>(
    `SELECT state, count(*)::int AS n FROM "${schema}".jobs GROUP BY state`,
  );
  return Object.fromEntries(rows.map((row) => [row.state, row.n]));
}

/** Jobs waiting to be claimed now (the backlog). */
export async function backlog(sql: Sql, schema: string): Promise<number> {
  const [row] = await sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM "${schema}".jobs WHERE state = 'queued'`,
  );
  return row?.n ?? 0;
}

/** Whether every one of `expected` jobs has ended, by the state counts. */
export function everyJobEnded(counts: Record<string, number>, expected: number): boolean {
  const ended = (counts.succeeded ?? 0) + (counts.failed ?? 0) + (counts.cancelled ?? 0);
  return ended >= expected && (counts.queued ?? 0) + (counts.running ?? 0) === 0;
}

/**
 * Poll `check` (every 250 ms) until it resolves true, or `timeout` passes: true when it did,
 * false on timeout (the figures then show what is left). A check that fails (the database or
 * the server is down) is tried again.
 */
export async function pollUntil(check: () => Promise<boolean>, timeout: number): Promise<boolean> {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return true;
    await delay(250);
  }
  return false;
}
