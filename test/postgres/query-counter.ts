// Counting the statements a backend really sends, on both engines, with nothing of the backend
// replaced: on PGlite the backend is given a proxy of the test's PGlite instance whose `query`
// counts; on a server it is given, through `poolConfig.Client` (a pg.Pool option), a pg.Client
// subclass whose `query` counts. Statements are told apart by their SQL text.

import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { PostgresBackendOptions } from '../../src/postgres/index.js';
import { followedSeqs } from '../../src/postgres/sql/followed-seqs.js';
import { readEvents } from '../../src/postgres/sql/read-events.js';
import { schemaNames } from '../../src/postgres/sql/statement.js';
import { within } from '../helpers.js';
import type { Engine } from './engines.js';

/** The statements counted. */
export type Counted = 'read_events' | 'followed_seqs';

/** How many times each counted statement was sent so far. */
export class QueryCounter {
  private readonly _counts: Record<Counted, number> = { read_events: 0, followed_seqs: 0 };
  private readonly _texts: Map<string, Counted>;
  private readonly _waiters: Array<{ name: Counted; count: number; resolve: () => void }> = [];

  constructor(schema: string) {
    const names = schemaNames(schema);
    this._texts = new Map([
      [readEvents(names).text, 'read_events'],
      [followedSeqs(names).text, 'followed_seqs'],
    ]);
  }

  /** Sent so far. */
  count(name: Counted): number {
    return this._counts[name];
  }

  /** Resolves once `name` has been sent `count` times in all (bounded). */
  reach(name: Counted, count: number, timeout = 20_000): Promise<void> {
    if (this._counts[name] >= count) return Promise.resolve();
    const reached = new Promise<void>((resolve) => {
      this._waiters.push({ name, count, resolve });
    });
    return within(reached, { timeout, what: `${count} × ${name} (sent ${this._counts[name]})` });
  }

  /** @internal The driver sent `text`. */
  sent(text: unknown): void {
    const name = typeof text === 'string' ? this._texts.get(text) : undefined;
    if (name === undefined) return;
    this._counts[name]++;
    for (let i = this._waiters.length - 1; i >= 0; i--) {
      const waiter = this._waiters[i];
      if (waiter?.name === name && this._counts[name] >= waiter.count) {
        this._waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }
}

/**
 * Options for a backend on `engine` whose statements `counter` counts (a fresh schema unless
 * given).
 */
export function countedOptions(
  engine: Engine,
  extra: Partial<PostgresBackendOptions> & { schema?: string } = {},
): { options: PostgresBackendOptions; counter: QueryCounter } {
  const { schema: given, ...rest } = extra;
  const options = engine.options(given, rest);
  const counter = new QueryCounter(options.schema);
  if (options.pglite instanceof PGlite) {
    const db = options.pglite;
    const counting = new Proxy(db, {
      get(target, property) {
        if (property === 'query') {
          return (text: string, params?: unknown[]) => {
            counter.sent(text);
            return target.query(text, params);
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    return { options: { ...options, pglite: counting }, counter };
  }
  class CountingClient extends pg.Client {
    // pg.Pool calls query(config, values, callback) with a { name, text } config.
    override query(...args: unknown[]): never {
      const first = args[0] as string | { text?: unknown } | undefined;
      counter.sent(typeof first === 'string' ? first : first?.text);
      return (super.query as (...a: unknown[]) => never)(...args);
    }
  }
  return {
    options: { ...options, poolConfig: { ...options.poolConfig, Client: CountingClient } },
    counter,
  };
}
