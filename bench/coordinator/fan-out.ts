// Event fan-out: one task emits N events (in bursts of 100, yielding to the event loop between
// bursts, as a task doing real work would) to 1,000 subscribers that each read every event;
// timed from the first emit until every subscriber has its last event. Reported: delivered
// events per second (events × 1,000 / time) and the peak live heap while it runs (measured in
// one extra, untimed run per case after the timed ones, with a full GC every 1,000 events).
//
// No anchor does both replay and bounded fan-out, so the floor is a plain EventEmitter with 1,000
// listeners (synchronous calls, no queue, no replay, no end-of-stream). The middle case is the
// least an async-iterable subscriber costs: the same EventEmitter feeding 1,000 minimal
// unbounded async-iterator queues. Warden adds per subscriber: a bounded queue with overflow
// cut-off, replay from history, sequence numbers, and exactly one terminal event.

import { EventEmitter } from 'node:events';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import {
  createConsoleLogger,
  InProcessBackend,
  TaskCoordinator,
  type TaskEvent,
} from '../../src/index.js';
import { Clock } from '../lib/clock.js';
import type { BenchCase, CaseResult, Check, Suite } from '../lib/harness.js';
import { median } from '../lib/stats.js';

const SUBSCRIBERS = 1_000;
const BURST = 100;
/** Events per round for the async-iterator cases (their time is scaled to the suite's N). */
const ITERATOR_N = 20_000;
const logger = createConsoleLogger({ level: 'silent' });

/** Peak live heap of each case, bytes, from the untimed measuring run. */
const peaks = new Map<string, number>();
/** True during the measuring runs (suite teardown): sample the live heap. */
let measuring = false;
const SAMPLE_EVERY = 1_000;

/** Samples the live heap (after a full GC) every 1,000 events, in measuring runs only. */
class PeakHeap {
  private readonly _base: number;
  private _peak = 0;

  constructor() {
    if (measuring) globalThis.gc?.();
    this._base = process.memoryUsage().heapUsed;
  }

  /** Called with each event `seq` a sampling point sees; samples once per 1,000 events. */
  sample(seq: number): void {
    if (!measuring || seq % SAMPLE_EVERY !== 1) return;
    globalThis.gc?.();
    const grown = process.memoryUsage().heapUsed - this._base;
    if (grown > this._peak) this._peak = grown;
  }

  record(name: string): void {
    if (measuring) peaks.set(name, this._peak);
  }
}

function event(seq: number): TaskEvent {
  return { taskId: 'bench', seq, type: 'tick', data: seq, time: Date.now() };
}

const emitterCase: BenchCase = {
  name: 'EventEmitter, 1,000 listeners',
  note: "emitter.emit('event', {taskId, seq, type, data, time}) N times; 1,000 listeners each count it.",
  async run(n, _probe, clock) {
    const emitter = new EventEmitter();
    emitter.setMaxListeners(0);
    let delivered = 0;
    for (let s = 0; s < SUBSCRIBERS; s++) {
      emitter.on('event', () => {
        delivered++;
      });
    }
    const heap = new PeakHeap();
    const watch = clock.start();
    for (let seq = 1; seq <= n; seq++) {
      emitter.emit('event', event(seq));
      heap.sample(seq);
      if (seq % BURST === 0) await nextMacrotask();
    }
    const ms = watch.elapsed();
    heap.record(this.name);
    if (delivered !== n * SUBSCRIBERS) throw new Error(`delivered ${delivered}`);
    return ms;
  },
};

/** The least an async-iterable subscriber is: an unbounded queue and a waiting resolver. */
class Channel implements AsyncIterableIterator<TaskEvent> {
  private readonly _queue: TaskEvent[] = [];
  private _head = 0;
  private _waiting: ((result: IteratorResult<TaskEvent>) => void) | undefined;
  private _ended = false;

  push(item: TaskEvent): void {
    const waiting = this._waiting;
    if (waiting !== undefined) {
      this._waiting = undefined;
      waiting({ value: item, done: false });
    } else this._queue.push(item);
  }

  end(): void {
    this._ended = true;
    this._waiting?.({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<TaskEvent>> {
    if (this._head < this._queue.length) {
      const value = this._queue[this._head++] as TaskEvent;
      if (this._head === this._queue.length) {
        this._queue.length = 0;
        this._head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this._ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this._waiting = resolve;
    });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

const channelCase: BenchCase = {
  name: 'EventEmitter → async iterators',
  n: ITERATOR_N,
  note: '1,000 listeners each push into a minimal unbounded queue read with for await (no bound, no replay).',
  async run(n, _probe, clock) {
    const emitter = new EventEmitter();
    emitter.setMaxListeners(0);
    let delivered = 0;
    const readers: Array<Promise<void>> = [];
    let heap: PeakHeap | undefined;
    for (let s = 0; s < SUBSCRIBERS; s++) {
      const channel = new Channel();
      const first = s === 0;
      emitter.on('event', (item: TaskEvent) => channel.push(item));
      emitter.on('end', () => channel.end());
      readers.push(
        (async () => {
          for await (const item of channel) {
            delivered++;
            // The first reader samples at the first event of a burst: every other queue then
            // holds the whole burst (readers drain in turn).
            if (first) heap?.sample(item.seq);
          }
        })(),
      );
    }
    heap = new PeakHeap();
    const watch = clock.start();
    for (let seq = 1; seq <= n; seq++) {
      emitter.emit('event', event(seq));
      if (seq % BURST === 0) await nextMacrotask();
    }
    emitter.emit('end');
    await Promise.all(readers);
    const ms = watch.elapsed();
    heap.record(this.name);
    if (delivered !== n * SUBSCRIBERS) throw new Error(`delivered ${delivered}`);
    return ms;
  },
};

const wardenCase: BenchCase = {
  name: 'Warden TaskCoordinator',
  n: ITERATOR_N,
  note: "ctx.emit('tick', i) N times in one task; 1,000 × for await (coordinator.subscribe(id)) until completed.",
  async run(n, _probe, clock) {
    const backend = new InProcessBackend({ logger, runtime: false });
    const coordinator = new TaskCoordinator({
      backend,
      logger,
      runtime: false,
      shutdownBackend: true,
    });
    let release = (): void => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let heap: PeakHeap | undefined;
    coordinator.define('firehose', async (ctx) => {
      await gate;
      for (let seq = 1; seq <= n; seq++) {
        ctx.emit('tick', seq);
        if (seq % BURST === 0) await nextMacrotask();
      }
      return n;
    });
    const id = await coordinator.start('firehose', null);
    let delivered = 0;
    let completed = 0;
    const readers: Array<Promise<void>> = [];
    for (let s = 0; s < SUBSCRIBERS; s++) {
      const first = s === 0;
      readers.push(
        (async () => {
          for await (const item of coordinator.subscribe(id)) {
            if (item.type === 'tick') {
              delivered++;
              // The first reader samples at the first event of a burst: every other queue then
              // holds the whole burst (readers drain in turn).
              if (first) heap?.sample(item.data as number);
            } else if (item.type === 'completed') completed++;
          }
        })(),
      );
    }
    await nextMacrotask(); // every subscriber has seen `started` and waits
    heap = new PeakHeap();
    const watch = clock.start();
    release();
    await Promise.all(readers);
    const ms = watch.elapsed();
    heap.record(this.name);
    await coordinator.shutdown();
    if (delivered !== n * SUBSCRIBERS || completed !== SUBSCRIBERS) {
      throw new Error(`delivered ${delivered}, completed ${completed}`);
    }
    return ms;
  },
};

function rate(result: CaseResult): string {
  const perSecond = (result.n * SUBSCRIBERS) / (median(result.roundsMs) / 1000);
  const peak = peaks.get(result.name);
  const heap = peak === undefined ? 'not measured' : `+${(peak / 1024 / 1024).toFixed(1)} MB`;
  return `${(perSecond / 1e6).toFixed(2)} M events/s delivered; peak live heap ${heap}`;
}

const N = 100_000;
/** 1,000 queues × 1,000 references, the history, and slack for the task's own objects. */
const BOUND_MB = 64;
const cases = [emitterCase, channelCase, wardenCase];

const suite: Suite = {
  name: 'coordinator/fan-out',
  title: `one task emits N events to ${SUBSCRIBERS.toLocaleString('en')} subscribers (bursts of ${BURST})`,
  n: N,
  cases,
  notes: [
    `The async-iterator cases run ${ITERATOR_N.toLocaleString('en')} events per round (${(ITERATOR_N * SUBSCRIBERS).toLocaleString('en')} deliveries) and are scaled to N; their rate does not depend on N, and their memory is bounded by the queues, not by N.`,
    'Peak live heap: in one untimed run per case after the timed rounds, heapUsed after a full GC every 1,000 events (for the iterator cases, when the first subscriber reads the first event of a burst: every other queue then holds that burst), minus heapUsed after a GC at the start; the largest sample.',
  ],
  async teardown() {
    // One untimed run per case that samples the live heap; the timed rounds never GC.
    measuring = true;
    try {
      const clock = new Clock();
      for (const benchCase of cases) {
        await benchCase.run(Math.min(N, benchCase.n ?? N), { inFlight() {} }, clock);
      }
    } finally {
      measuring = false;
    }
  },
  checks(results): Check[] {
    const lines: Check[] = results.map((result) => ({
      label: result.name,
      pass: true,
      detail: rate(result),
    }));
    const warden = peaks.get(wardenCase.name);
    lines.push({
      label: `Warden's live heap stays within its bounds (< ${BOUND_MB} MB: ${SUBSCRIBERS.toLocaleString('en')} queues of ≤ 1,000 shared events, plus history)`,
      pass: warden !== undefined && warden < BOUND_MB * 1024 * 1024,
      detail: warden === undefined ? 'not measured' : `${(warden / 1024 / 1024).toFixed(1)} MB`,
    });
    return lines;
  },
};

export default suite;
