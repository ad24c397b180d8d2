// A Warden worker process for the Postgres benchmark: a PostgresBackend at its defaults (the
// parent passes the connection string and any overrides) with a no-op `noop` handler and a
// `wait` handler that ends when its token is cancelled (see warden.ts for the settings).

import { createConsoleLogger } from '../../src/index.js';
import { PostgresBackend, type PostgresBackendOptions } from '../../src/postgres/index.js';
import { type BenchPayload, runWorkerChild } from './protocol.js';

export interface WardenChildConfig {
  readonly connectionString: string;
  /** JSON-able option overrides; none at the defaults. */
  readonly options?: Partial<PostgresBackendOptions>;
}

await runWorkerChild<WardenChildConfig>(async (config, reporter) => {
  const backend = new PostgresBackend({
    connectionString: config.connectionString,
    logger: createConsoleLogger({ level: 'silent' }),
    runtime: false,
    ...config.options,
  });
  backend.register<BenchPayload>('noop', async (payload) => {
    reporter.started(payload);
    reporter.done();
  });
  backend.register<BenchPayload>('wait', async (payload, ctx) => {
    ctx.token.onCancel(() => reporter.fired(payload.seq));
    reporter.started(payload);
    await ctx.token.cancelled();
  });
  await backend.start();
  return async () => {
    await backend.shutdown({ timeout: 1_000, grace: 500 });
  };
});
