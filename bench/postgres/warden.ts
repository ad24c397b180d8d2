// Warden's PostgresBackend as a contender: the parent is a producer-only backend
// (`concurrency: 0`) that submits with `submitMany` in bulk and `submit` one at a time, and
// cancels; workers run warden-child.ts.

import { createConsoleLogger } from '../../src/index.js';
import { PostgresBackend, postgresBackendDefaults } from '../../src/postgres/index.js';
import type { QueueClient, QueueSystem, WorkerVariant } from './contender.js';
import type { BenchPayload } from './protocol.js';
import type { WardenChildConfig } from './warden-child.js';

const silent = createConsoleLogger({ level: 'silent' });
const script = new URL('./warden-child.ts', import.meta.url);

/** The parent's client over a backend (producer-only on a server, the worker itself on PGlite). */
export function wardenClient(backend: PostgresBackend, close: () => Promise<void>): QueueClient {
  return {
    async enqueueBulk(payloads) {
      await backend.submitMany(payloads.map((payload) => ({ type: 'noop', payload })));
    },
    async enqueueOne(payload) {
      await backend.submit({ type: 'noop', payload });
    },
    async submitWaiter(payload: BenchPayload) {
      return (await backend.submit({ type: 'wait', payload })).id;
    },
    cancel: (id) => backend.cancel(id),
    close,
  };
}

export const warden: QueueSystem = {
  key: 'warden',
  name: 'Warden PostgresBackend',
  enqueueSettings:
    'new PostgresBackend({ connectionString, concurrency: 0, types: { noop: {}, wait: {} }, logger: silent, runtime: false }), start(); bulk: submitMany([{ type: "noop", payload }…]); one: submit({ type: "noop", payload }); cancel(id)',
  async open(url) {
    const backend = new PostgresBackend({
      connectionString: url,
      concurrency: 0,
      types: { noop: {}, wait: {} },
      logger: silent,
      runtime: false,
    });
    await backend.start();
    return wardenClient(backend, async () => {
      await backend.shutdown({ timeout: 1_000 });
    });
  },
};

/** The defaults that matter here, as the backend states them. */
export function wardenDefaultsText(): string {
  const d = postgresBackendDefaults;
  return `concurrency ${d.concurrency}, prefetch = concurrency, poolSize ${d.poolSize}, pollInterval ${d.pollInterval}, leaseTimeout ${d.leaseTimeout}, maxAttempts ${d.maxAttempts}`;
}

/** Warden at its defaults (concurrency 10 is the default). */
export function wardenDefaults(): WorkerVariant {
  return {
    system: warden,
    label: 'Warden, defaults',
    settings: `new PostgresBackend({ connectionString, logger: silent, runtime: false }) (defaults: ${wardenDefaultsText()}); register("noop", async handler); start()`,
    script,
    childConfig: (url) => ({ connectionString: url }) satisfies WardenChildConfig,
  };
}
