import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CancelToken, Task } from '../src/index.js';
import { TaskSet } from '../src/task/internal/task-set.js';

// Real tasks, never run: a TaskSet only reads and writes their `_slot`.
const owner = { taskEnded() {} };
function tasks(count: number): Task<unknown>[] {
  const root = new CancelToken();
  return Array.from({ length: count }, () => new Task(owner, root.child(), undefined, undefined));
}

// How many chunk slots the set holds: its memory, which must follow the running tasks.
function chunkSlots(set: TaskSet): number {
  return (Reflect.get(set, '_chunks') as unknown[]).length;
}

describe('TaskSet', () => {
  test('snapshot lists the tasks newest first, oldest last', () => {
    const set = new TaskSet();
    const all = tasks(600);
    for (const task of all) set.add(task);
    assert.equal(set.size, 600);
    assert.deepEqual(set.snapshot(), [...all].reverse());
  });

  test('tasks removed in any order leave the others, in order', () => {
    const set = new TaskSet();
    const all = tasks(1_000);
    for (const task of all) set.add(task);
    // A fixed shuffle: every third task, then from the end, then the front half of the rest.
    const removed = new Set<Task<unknown>>();
    for (let i = 0; i < all.length; i += 3) removed.add(all[i] as Task<unknown>);
    for (let i = all.length - 1; i > 900; i--) removed.add(all[i] as Task<unknown>);
    for (let i = 0; i < 300; i++) removed.add(all[i] as Task<unknown>);
    for (const task of removed) set.remove(task);
    const expected = all.filter((task) => !removed.has(task)).reverse();
    assert.equal(set.size, expected.length);
    assert.deepEqual(set.snapshot(), expected);
    for (const task of expected) set.remove(task);
    assert.equal(set.size, 0);
    assert.deepEqual(set.snapshot(), []);
  });

  test('a long-lived task among 100,000 short ones: memory follows the running tasks', () => {
    const set = new TaskSet();
    const [first, last] = tasks(2) as [Task<unknown>, Task<unknown>];
    set.add(first);
    // Short tasks come and go in batches, oldest first, as a queue's would.
    const batch = tasks(300);
    for (let round = 0; round < 350; round++) {
      for (const task of batch) set.add(task);
      for (const task of batch) set.remove(task);
    }
    set.add(last);
    assert.deepEqual(set.snapshot(), [last, first]);
    assert.ok(chunkSlots(set) < 40, `${chunkSlots(set)} chunk slots for 2 tasks`);
    set.remove(first);
    assert.deepEqual(set.snapshot(), [last]);
  });

  test('many long-lived tasks spread thin are packed together again', () => {
    const set = new TaskSet();
    const all = tasks(100_000);
    for (const task of all) set.add(task);
    // Keep one task in 500: the chunks they sit in are nearly empty.
    const kept = all.filter((_, i) => i % 500 === 0);
    for (let i = 0; i < all.length; i++) if (i % 500 !== 0) set.remove(all[i] as Task<unknown>);
    // New tasks make the set compact itself; every task can still be removed afterwards.
    const more = tasks(10_000);
    for (const task of more) set.add(task);
    assert.ok(chunkSlots(set) < 100, `${chunkSlots(set)} chunk slots for ${set.size} tasks`);
    assert.deepEqual(set.snapshot(), [...kept, ...more].reverse());
    for (const task of [...more, ...kept]) set.remove(task);
    assert.equal(set.size, 0);
  });
});
