// Tasks whose function returned a promise, waiting to start watching it.
//
// Why not watch at spawn: watching (`promise.then(onFulfilled, onRejected)`) keeps three objects
// alive until the promise settles and its reaction runs: a derived promise, a reaction record
// and a bound handler, about 190 bytes. A burst of spawns (a million in one synchronous loop)
// kept all of them alive through every garbage collection during the loop, each of which copied
// them; that was most of what a spawn cost over a bare promise. Queued here, a task holds only
// its function's promise until the burst is over. Then tasks start watching BATCH at a time, one
// microtask turn per batch, so only a batch of reactions is pending at once and they die young.
//
// The price: a task notices that its function settled a few microtasks later than it would
// have. The whole queue drains within the microtask checkpoint of the spawns, before any timer,
// I/O callback or unhandled-rejection check, so a failure is never reported as unhandled.

/** @internal What the queue asks of a task. */
export interface Watcher {
  /** Start watching the function's promise; does nothing if already watching. */
  _watch(): void;
}

const BATCH = 512;
// Full batches waiting, oldest first, and the batch being filled.
const full: Watcher[][] = [];
let filling: Watcher[] = [];
let scheduled = false;
// Not queueMicrotask: Node wraps each of its callbacks in an AsyncResource; a promise is cheaper.
const resolved = Promise.resolve();

/** @internal Have `watcher` start watching in a coming microtask, in queue order. */
export function queueWatch(watcher: Watcher): void {
  filling.push(watcher);
  if (filling.length === BATCH) {
    full.push(filling);
    filling = [];
  }
  if (!scheduled) {
    scheduled = true;
    void resolved.then(watchBatch);
  }
}

function watchBatch(): void {
  let batch = full.shift();
  if (batch === undefined) {
    batch = filling;
    filling = [];
  }
  for (let i = 0; i < batch.length; i++) (batch[i] as Watcher)._watch();
  // More may have been queued meanwhile, by code run between two batches.
  if (full.length > 0 || filling.length > 0) void resolved.then(watchBatch);
  else scheduled = false;
}
