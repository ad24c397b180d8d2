// The running tasks of one scope, in spawn order: O(1) add and remove, and a snapshot for reports.
//
// Tasks are kept in fixed-size arrays ("chunks") rather than in a list linked through the tasks.
// Why: the garbage collector lays objects out in the order it finds them, and from an array it
// finds each task (with its token, promises and listeners) in spawn order, one after another.
// From a long linked list it does not, and one cancel that reaches 100,000 waiting tasks took
// about twice as long, its steps cache misses (measured with bench/core/cancel-fan-out).
//
// A task's `_slot` is its sequence number here: chunk `_slot >> CHUNK_BITS`, index
// `_slot & CHUNK_MASK`. An empty set starts again from nothing. A set that never empties, whose
// old tasks outlive many newer ones, is compacted (its tasks renumbered densely, oldest first)
// once it holds far more room than tasks: its memory follows the number of running tasks, and
// sequence numbers stay small integers.

import type { Task } from '../task.js';

const CHUNK_BITS = 8;
const CHUNK_SIZE = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_SIZE - 1;
const MAX_SEQ = 2 ** 30;

type Chunk = Array<Task<unknown> | undefined>;

/** @internal The tasks an owner is running, in spawn order. */
export class TaskSet {
  private _chunks: Chunk[] = [];
  // The chunk new tasks go into, and the sequence number the next task gets.
  private _tail: Chunk | undefined = undefined;
  private _nextSeq = 0;
  private _size = 0;

  /** How many tasks are in the set. */
  get size(): number {
    return this._size;
  }

  /** Add a task that is in no set. */
  add(task: Task<unknown>): void {
    if ((this._nextSeq & CHUNK_MASK) === 0) this._newChunk();
    (this._tail as Chunk)[this._nextSeq & CHUNK_MASK] = task;
    task._slot = this._nextSeq++;
    this._size++;
  }

  /** Remove a task that is in this set. */
  remove(task: Task<unknown>): void {
    const slot = task._slot;
    task._slot = -1;
    if (--this._size === 0) this._reset();
    else (this._chunks[slot >> CHUNK_BITS] as Chunk)[slot & CHUNK_MASK] = undefined;
  }

  /** The tasks in the set, newest first (oldest last). A new array. */
  snapshot(): Task<unknown>[] {
    const tasks: Task<unknown>[] = [];
    for (let c = this._chunks.length - 1; c >= 0; c--) {
      const chunk = this._chunks[c] as Chunk;
      for (let i = CHUNK_SIZE - 1; i >= 0; i--) {
        const task = chunk[i];
        if (task !== undefined) tasks.push(task);
      }
    }
    return tasks;
  }

  private _newChunk(): void {
    if (this._nextSeq >= MAX_SEQ || this._nextSeq > 4 * this._size + 4 * CHUNK_SIZE) {
      this._compact();
      // Compacting may leave room in the last chunk.
      if ((this._nextSeq & CHUNK_MASK) !== 0) return;
    }
    this._tail = new Array(CHUNK_SIZE);
    this._chunks.push(this._tail);
  }

  private _reset(): void {
    this._chunks = [];
    this._tail = undefined;
    this._nextSeq = 0;
  }

  // Renumber the tasks densely from 0, oldest first. O(size); it runs only once the set has taken
  // at least three times as many tasks as it holds since it last started from nothing.
  private _compact(): void {
    const tasks = this.snapshot();
    this._reset();
    this._size = 0;
    for (let i = tasks.length - 1; i >= 0; i--) this.add(tasks[i] as Task<unknown>);
  }
}
