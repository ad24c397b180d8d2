// Many short tasks, each followed: N tasks start at once, each emits one event and returns, and
// each has one subscriber that reads its stream to the end; timed from the first start until
// every subscriber has its terminal event. Reported: tasks per second.
//
// The floor is a plain EventEmitter per task: an async function emits started, tick and
// completed on it, and one listener per task resolves a promise on completed (no ids, no
// records, no replay, no cancellation).

import { EventEmitter } from 'node:events';
import {
  createConsoleLogger,
  InProcessBackend,
  TaskCoordinator,
  type TaskEvent,
} from '../../src/index.js';
import type { BenchCase, CaseResult, Check, Suite } from '../lib/harness.js';
import { median } from '../lib/stats.js';

const logger = createConsoleLogger({ level: 'silent' });

const emitterCase: BenchCase = {
  name: 'EventEmitter per task',
  note: "per task: new EventEmitter(); a listener awaits 'completed'; an async fn emits started, tick, completed.",
  async run(n, _probe, clock) {
    const watch = clock.start();
    const done: Array<Promise<number>> = new Array(n);
    for (let i = 0; i < n; i++) {
      const emitter = new EventEmitter();
      done[i] = new Promise<number>((resolve) => {
        let seen = 0;
        emitter.on('event', (item: TaskEvent) => {
          seen++;
          if (item.type === 'completed') resolve(seen);
        });
      });
      void (async () => {
        emitter.emit('event', { taskId: `${i}`, seq: 1, type: 'started', data: null, time: 0 });
        await null;
        emitter.emit('event', { taskId: `${i}`, seq: 2, type: 'tick', data: i, time: 0 });
        emitter.emit('event', { taskId: `${i}`, seq: 3, type: 'completed', data: i, time: 0 });
      })();
    }
    const seen = await Promise.all(done);
    const ms = watch.elapsed();
    if (seen.some((count) => count !== 3)) throw new Error('an emitter lost events');
    return ms;
  },
};

const wardenCase: BenchCase = {
  name: 'Warden TaskCoordinator',
  note: "coordinator.start('short', i) N times at once (in-process, concurrency ∞); each: ctx.emit('tick', i), return i; one for await (coordinator.subscribe(id)) per task.",
  async run(n, _probe, clock) {
    const backend = new InProcessBackend({
      logger,
      runtime: false,
      concurrency: Number.POSITIVE_INFINITY,
      maxFinishedTasks: n,
    });
    const coordinator = new TaskCoordinator({
      backend,
      logger,
      runtime: false,
      shutdownBackend: true,
    });
    coordinator.define<number>('short', (ctx) => {
      ctx.emit('tick', ctx.input);
      return ctx.input;
    });
    const follow = async (id: string): Promise<number> => {
      let seen = 0;
      for await (const _ of coordinator.subscribe(id)) seen++;
      return seen;
    };
    const watch = clock.start();
    const done: Array<Promise<number>> = new Array(n);
    for (let i = 0; i < n; i++) done[i] = coordinator.start('short', i).then(follow);
    const seen = await Promise.all(done);
    const ms = watch.elapsed();
    await coordinator.shutdown();
    if (seen.some((count) => count !== 3)) throw new Error('a subscriber lost events');
    return ms;
  },
};

function perSecond(result: CaseResult): string {
  return `${Math.round(result.n / (median(result.roundsMs) / 1000)).toLocaleString('en')} tasks/s`;
}

const N = 10_000;

const suite: Suite = {
  name: 'coordinator/short-tasks',
  title: 'N concurrent short tasks, 1 subscriber each, until every stream has ended',
  n: N,
  cases: [emitterCase, wardenCase],
  notes: [
    'Warden per task: a plain-JSON task record (kept for get/list), a Task with its own CancelToken, a handler context, started/tick/completed events with seq and time, a subscriber with a bounded queue over a backend follower.',
  ],
  checks(results): Check[] {
    return results.map((result) => ({
      label: result.name,
      pass: true,
      detail: perSecond(result),
    }));
  },
};

export default suite;
