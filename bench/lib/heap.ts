// Heap measurement for the benchmarks: a full collection (the process runs with --expose-gc),
// after letting pending callbacks (timers' cleanup, FinalizationRegistry jobs) run.

import { setImmediate as nextMacrotask } from 'node:timers/promises';

/** Throws a clear message when `global.gc` is missing. */
export function assertGcExposed(): void {
  if (typeof globalThis.gc !== 'function') {
    throw new Error('global.gc is missing: run with node --expose-gc (npm run bench does)');
  }
}

/**
 * Collect garbage as thoroughly as a script can: two macrotask turns (so settled promises and
 * cleared timers drop their references) around two full GCs.
 */
export async function collectGarbage(): Promise<void> {
  assertGcExposed();
  await nextMacrotask();
  globalThis.gc?.();
  await nextMacrotask();
  globalThis.gc?.();
}

/** V8's used heap, in bytes. */
export function heapUsed(): number {
  return process.memoryUsage().heapUsed;
}

/** A latency probe: resolves after one macrotask turn (used between setup and measurement). */
export function macrotask(): Promise<void> {
  return nextMacrotask();
}
