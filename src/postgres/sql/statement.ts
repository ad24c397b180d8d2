// Named, schema-qualified statements: each query module defines its SQL once with
// `defineStatement`, and gets one `Statement` per schema (cached), named for `pg`'s prepared
// statement cache.

import { createHash } from 'node:crypto';
import type { Statement } from '../driver.js';

/** A validated schema name and what is derived from it. */
export interface SchemaNames {
  /** The schema, e.g. `warden`. */
  readonly name: string;
  /** The schema as a quoted identifier, e.g. `"warden"`. */
  readonly quoted: string;
  /** The NOTIFY channel of the schema's queue, e.g. `warden_wake`. */
  readonly channel: string;
  /** A short hash of the name, for prepared-statement names (Postgres keeps 63 bytes). */
  readonly tag: string;
}

/** Schema names are plain lowercase identifiers, so the derived channel stays one too. */
export const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,47}$/;

/** Derive the names of `schema`, which must match {@link SCHEMA_PATTERN}. */
export function schemaNames(schema: string): SchemaNames {
  return {
    name: schema,
    quoted: `"${schema}"`,
    channel: `${schema}_wake`,
    tag: createHash('sha1').update(schema).digest('hex').slice(0, 8),
  };
}

/**
 * Define a statement: `build` receives the quoted schema and returns the SQL. The result maps a
 * schema to its `Statement`, built once per schema.
 */
export function defineStatement(
  name: string,
  build: (schema: string) => string,
): (schema: SchemaNames) => Statement {
  const cache = new Map<string, Statement>();
  return (schema) => {
    let statement = cache.get(schema.name);
    if (statement === undefined) {
      statement = { name: `w${schema.tag}_${name}`, text: build(schema.quoted) };
      cache.set(schema.name, statement);
    }
    return statement;
  };
}

/**
 * A `SELECT` fragment that sends one NOTIFY per chunk of 50 task ids (`'e' || ids`), so that
 * event followers in any process learn which tasks have new events. `from` is a relation with
 * an `id` column.
 */
export function notifyEventsFrom(from: string, channelParam: string): string {
  return `SELECT pg_notify(${channelParam}, 'e' || string_agg(id, ',')) FROM (
      SELECT id, (row_number() OVER ()) / 50 AS chunk FROM ${from}
    ) ids GROUP BY chunk`;
}

/**
 * Whole milliseconds since the epoch of a `timestamptz` expression, as a `float8` (a JS number).
 * Floored, as `Date.now()` is: event times mix the database's clock (claim, completion) with the
 * handler's `Date.now()` (its own events), and microseconds on one side only would put a
 * `started` after an event emitted in the same millisecond.
 */
export function epochMs(expression: string): string {
  return `floor(extract(epoch FROM ${expression}) * 1000)::float8`;
}
