// A small, real program that shows Warden's core guarantees:
//   1. a Scope runs a group of tasks and waits for all of them;
//   2. a critical task fails, cancels its parent token, and so stops its siblings at once;
//   3. a timeout cancels slow work and says it was a timeout.
// Run it with `npm run example`. Every line it prints is an event, not a guess.

import {
  CancelReason,
  CancelToken,
  Scope,
  sleep,
  spawnCritical,
  TimeoutError,
  withTimeout,
} from '../src/index.js';

const started = performance.now();
const log = (message: string): void => {
  const ms = Math.round(performance.now() - started)
    .toString()
    .padStart(5);
  process.stdout.write(`${ms} ms  ${message}\n`);
};

/** A worker that processes "batches" until its token is cancelled. */
async function worker(name: string, token: CancelToken): Promise<number> {
  let batches = 0;
  try {
    for (;;) {
      await sleep(40, token);
      batches++;
    }
  } finally {
    log(`${name}: stopped after ${batches} batches (${token.reason?.kind ?? 'not cancelled'})`);
  }
}

async function scopeWithCriticalTask(): Promise<void> {
  log('— part 1: a scope of workers, and a critical task that fails');
  const service = new CancelToken();
  await using scope = new Scope({ name: 'pipeline', token: service });
  scope.spawn((token) => worker('ingest', token), 'ingest');
  scope.spawn((token) => worker('transform', token), 'transform');

  const health = spawnCritical(
    async (token) => {
      await sleep(150, token);
      throw new Error('upstream database is unreachable');
    },
    service,
    'health-check',
    { logger: quietLogger },
  );

  const reason = await service.cancelled();
  log(`service token cancelled: ${reason.kind} — ${reason.message}`);
  const failure = await health.join().catch((error: unknown) => error);
  log(`critical task joined: ${(failure as Error).message}`);
  await scope.close(); // workers that stopped on cancellation are 'cancelled', not failures
  log('scope closed: every worker has ended');
}

async function timeout(): Promise<void> {
  log('— part 2: a timeout');
  const outcome = await withTimeout(100, async (token) => {
    await sleep(10_000, token);
    return 'finished';
  }).catch((error: unknown) => error);
  if (!(outcome instanceof TimeoutError)) throw new Error('expected a timeout');
  log(`slow work: ${outcome.message} (${outcome.code})`);

  const fast = await withTimeout(1_000, (token) => sleep(20, token).then(() => 'fast result'));
  log(`fast work: ${fast}`);
}

async function gracefulCancel(): Promise<void> {
  log('— part 3: a graceful stop never touches the parent');
  const parent = new CancelToken();
  const handle = spawnCritical((token) => worker('reporter', token), parent, 'reporter');
  await sleep(90);
  handle.cancel(CancelReason.requested('deploying a new version'));
  await handle.join();
  log(`reporter stopped gracefully; parent cancelled: ${parent.isCancelled}`);
}

const quietLogger = {
  error() {},
  warn() {},
  info() {},
  debug() {},
  child() {
    return quietLogger;
  },
};

await scopeWithCriticalTask();
await timeout();
await gracefulCancel();
log('done');
