// Cancellation fan-out: N tasks each wait on their own cancellation; one cancel at the root;
// timed from that cancel until every task has settled. Setup (spawning the waiting tasks) is
// not timed. The baseline is the floor: N async functions awaiting one shared promise that the
// "cancel" resolves; a second floor has it reject, for waits that end in an error (sleep).

import { setMaxListeners } from 'node:events';
import { Effect, Fiber } from 'effect';
import { run, spawn, suspend } from 'effection';
import { CancelToken, Scope, sleep } from '../../src/index.js';
import type { BenchCase, CaseResult, Check, Suite } from '../lib/harness.js';
import { macrotask } from '../lib/heap.js';

/** N async functions awaiting one gate; `open` resolves it, or rejects it with `failure`. */
function gatedWaiters(n: number): { promises: Promise<number>[]; open(failure?: Error): void } {
  let settle: (failure?: Error) => void = () => {};
  const gate = new Promise<void>((resolve, reject) => {
    settle = (failure) => (failure === undefined ? resolve() : reject(failure));
  });
  const waiter = async (): Promise<number> => {
    await gate;
    return 1;
  };
  const promises = new Array<Promise<number>>(n);
  for (let i = 0; i < n; i++) promises[i] = waiter();
  return { promises, open: settle };
}

const bare: BenchCase = {
  name: 'bare: await one promise',
  note: 'N async fns each await one shared promise; cancel = resolve it; until Promise.all settles.',
  async run(n, probe, clock) {
    const { promises, open } = gatedWaiters(n);
    await macrotask();
    probe.inFlight();
    const watch = clock.start();
    open();
    await Promise.all(promises);
    return watch.elapsed();
  },
};

const bareRejected: BenchCase = {
  name: 'bare: await one rejecting promise',
  note: 'as above, but the shared promise rejects, so each async fn ends rejected: the floor for a wait that ends in an error (sleep); until Promise.allSettled settles.',
  async run(n, probe, clock) {
    const { promises, open } = gatedWaiters(n);
    await macrotask();
    probe.inFlight();
    const watch = clock.start();
    open(new Error('cancelled'));
    await Promise.allSettled(promises);
    return watch.elapsed();
  },
};

/** A task that owns an AbortController linked to the root signal, and waits for its abort. */
async function abortControllerTask(root: AbortSignal): Promise<number> {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(root.reason);
  root.addEventListener('abort', onAbort, { once: true });
  try {
    await new Promise<never>((_, reject) => {
      const signal = controller.signal;
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
    return 1;
  } catch {
    return 0;
  } finally {
    root.removeEventListener('abort', onAbort);
  }
}

// Node's EventTarget scans a type's whole listener list on every addEventListener (to drop
// duplicates), so N listeners on one root signal cost O(N²) to register: 100,000 take minutes.
const ABORT_CONTROLLER_N = 10_000;

const abortControllers: BenchCase = {
  name: 'AbortController per task',
  n: ABORT_CONTROLLER_N,
  note: "each task: its own AbortController, aborted by a root signal 'abort' listener; the task awaits its own signal. Registering N listeners on one signal is O(N²) in Node (untimed setup: 20,000 take ~2.4 s here), hence the smaller N.",
  async run(n, probe, clock) {
    const root = new AbortController();
    setMaxListeners(0, root.signal);
    const promises = new Array<Promise<number>>(n);
    for (let i = 0; i < n; i++) promises[i] = abortControllerTask(root.signal);
    await macrotask();
    probe.inFlight();
    const watch = clock.start();
    root.abort();
    await Promise.all(promises);
    return watch.elapsed();
  },
};

async function abortSignalAnyTask(root: AbortSignal): Promise<number> {
  const signal = AbortSignal.any([root]);
  try {
    await new Promise<never>((_, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
    return 1;
  } catch {
    return 0;
  }
}

const abortSignalAny: BenchCase = {
  name: 'AbortSignal.any per task',
  note: 'each task: AbortSignal.any([root]) and awaits its abort (for context: Node 20–24 leak there).',
  async run(n, probe, clock) {
    const root = new AbortController();
    setMaxListeners(0, root.signal);
    const promises = new Array<Promise<number>>(n);
    for (let i = 0; i < n; i++) promises[i] = abortSignalAnyTask(root.signal);
    await macrotask();
    probe.inFlight();
    const watch = clock.start();
    root.abort();
    await Promise.all(promises);
    return watch.elapsed();
  },
};

async function waitCancelled(token: CancelToken): Promise<number> {
  await token.cancelled();
  return 1;
}

async function sleepForever(token: CancelToken): Promise<void> {
  await sleep(1e9, token);
}

const wardenCancelled: BenchCase = {
  name: 'Warden: await token.cancelled()',
  note: 'new Scope({ token: root }); N tasks await token.cancelled() and return; root.cancel(); until scope.close() settles.',
  async run(n, probe, clock) {
    const root = new CancelToken();
    const scope = new Scope({ token: root });
    for (let i = 0; i < n; i++) scope.spawn(waitCancelled);
    await macrotask();
    probe.inFlight();
    const watch = clock.start();
    root.cancel();
    await scope.close();
    return watch.elapsed();
  },
};

const wardenSleep: BenchCase = {
  name: 'Warden: sleep(1e9, token)',
  note: 'as above, but each task is in sleep(1e9, token) (a timer each) and ends cancelled, rejected with the one CancelledError of the reason.',
  async run(n, probe, clock) {
    const root = new CancelToken();
    const scope = new Scope({ token: root });
    for (let i = 0; i < n; i++) scope.spawn(sleepForever);
    await macrotask();
    probe.inFlight();
    const watch = clock.start();
    root.cancel();
    await scope.close();
    return watch.elapsed();
  },
};

const EFFECTION_N = 20_000;

const effection: BenchCase = {
  name: 'effection halt',
  n: EFFECTION_N,
  note: 'run(): spawn N children that suspend(); task.halt() at the root; until it settles.',
  async run(n, probe, clock) {
    let ready = (): void => {};
    const spawned = new Promise<void>((resolve) => {
      ready = resolve;
    });
    const task = run(function* () {
      for (let i = 0; i < n; i++) {
        yield* spawn(function* () {
          yield* suspend();
        });
      }
      ready();
      yield* suspend();
    });
    await spawned;
    await macrotask();
    probe.inFlight();
    const watch = clock.start();
    await task.halt();
    return watch.elapsed();
  },
};

const effect: BenchCase = {
  name: 'effect interrupt',
  note: 'runFork(gen: forkChild(Effect.never) N times); Fiber.interrupt(root fiber); until it settles.',
  async run(n, probe, clock) {
    let ready = (): void => {};
    const spawned = new Promise<void>((resolve) => {
      ready = resolve;
    });
    const fiber = Effect.runFork(
      Effect.gen(function* () {
        for (let i = 0; i < n; i++) yield* Effect.forkChild(Effect.never);
        yield* Effect.sync(ready);
        return yield* Effect.never;
      }),
    );
    await spawned;
    await macrotask();
    probe.inFlight();
    const watch = clock.start();
    await Effect.runPromise(Fiber.interrupt(fiber));
    return watch.elapsed();
  },
};

function find(results: readonly CaseResult[], name: string): CaseResult {
  const result = results.find((r) => r.name === name);
  if (result === undefined) throw new Error(`no result for ${name}`);
  return result;
}

const suite: Suite = {
  name: 'core/cancel-fan-out',
  title: 'one cancel at the root reaches N waiting tasks: ms from cancel to all settled',
  n: 100_000,
  cases: [
    bare,
    bareRejected,
    abortControllers,
    abortSignalAny,
    wardenCancelled,
    wardenSleep,
    effection,
    effect,
  ],
  notes: [
    'Setup (spawning the N waiting tasks) is not timed; the in-flight column is per waiting task.',
  ],
  checks(results): Check[] {
    const cancelled = find(results, wardenCancelled.name);
    const slept = find(results, wardenSleep.name);
    const rejectFloor = find(results, bareRejected.name);
    const ratio = slept.medianMs / rejectFloor.medianMs;
    const checks: Check[] = [
      {
        label: `${cancelled.name}: fan-out of ${cancelled.n.toLocaleString('en-US')} < 100 ms`,
        pass: cancelled.medianMs < 100,
        detail: `${cancelled.medianMs.toFixed(1)} ms`,
      },
      // A sleep ends in a rejection, and a rejection through an async function costs about
      // twice a resolution in V8 itself: its floor is the rejecting bare case, not 100 ms.
      {
        label: `${slept.name}: within 1.5× '${rejectFloor.name}'`,
        pass: ratio <= 1.5,
        detail: `${slept.medianMs.toFixed(1)} ms, ${ratio.toFixed(2)}×`,
      },
    ];
    for (const result of [cancelled, slept]) {
      checks.push({
        label: `${result.name}: retains no heap (< 1 MB after all rounds)`,
        pass: result.retainedBytes < 1024 * 1024,
        detail: `${(result.retainedBytes / 1024).toFixed(1)} KB`,
      });
    }
    return checks;
  },
};

export default suite;
