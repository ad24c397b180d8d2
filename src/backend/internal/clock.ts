// The clock of the in-memory backends' task records and events. Reading `Date.now()` costs about
// as much as running a trivial task, so readings are shared: one is taken at most every 64 calls
// and again after the current run of synchronous code (a settled promise clears it). Values are
// milliseconds since CLOCK_BASE, small integers that V8 keeps unboxed in an entry's fields.

const CLOCK_BASE = Date.now();
const CALLS_PER_READING = 64;
let reading = 0;
let readingsLeft = 0;
// A promise reaction is cheaper than queueMicrotask, which Node wraps in an AsyncResource.
const settled = Promise.resolve();

function clearReading(): void {
  readingsLeft = 0;
}

/**
 * Now, in milliseconds since the module was loaded. Never decreases while the wall clock does
 * not: calls in one run of synchronous code may share a reading taken at its start.
 */
export function clockNow(): number {
  if (readingsLeft === 0) {
    // Never below an earlier reading, so a task's events are ordered in time too.
    reading = Math.max(reading, Date.now() - CLOCK_BASE);
    readingsLeft = CALLS_PER_READING;
    void settled.then(clearReading);
  }
  readingsLeft--;
  return reading;
}

/** A {@link clockNow} value as milliseconds since the epoch. */
export function epochMs(time: number): number {
  return CLOCK_BASE + time;
}
