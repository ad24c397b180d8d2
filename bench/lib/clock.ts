// Timing for the benchmark harness: wall time, the process's CPU time over the same span, and
// the main-thread garbage-collection pauses that fell inside it.

import { type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import { setImmediate as nextMacrotask } from 'node:timers/promises';

/** A span of `performance.now()` time. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** A running measurement, from {@link Clock.start}. */
export interface Stopwatch {
  /** Wall milliseconds since the stopwatch was started; also records the CPU time spent. */
  elapsed(): number;
}

/**
 * The clock a case times itself with: `const watch = clock.start(); …; return watch.elapsed();`.
 * It also records the span and the process CPU time over it, for the CPU and GC columns.
 */
export class Clock {
  /** CPU ms (user + system, all threads) of the last span measured with this clock. */
  lastCpuMs = Number.NaN;
  /** The last span measured with this clock. */
  lastSpan: Span | undefined = undefined;

  start(): Stopwatch {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    return {
      elapsed: () => {
        const end = performance.now();
        const cpu = process.cpuUsage(cpuStart);
        this.lastCpuMs = (cpu.user + cpu.system) / 1000;
        this.lastSpan = { start, end };
        return end - start;
      },
    };
  }

  /** Forget the last measurement (before a round). */
  reset(): void {
    this.lastCpuMs = Number.NaN;
    this.lastSpan = undefined;
  }
}

/** Records main-thread GC pauses (`perf_hooks` 'gc' entries) so a span's total can be read. */
export class GcPauses {
  private readonly _entries: PerformanceEntry[] = [];
  private readonly _observer: PerformanceObserver;

  constructor() {
    this._observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) this._entries.push(entry);
    });
    this._observer.observe({ entryTypes: ['gc'] });
  }

  /** Total pause ms of the collections that started within `span`; forgets every entry so far. */
  async within(span: Span): Promise<number> {
    await nextMacrotask();
    for (const entry of this._observer.takeRecords()) this._entries.push(entry);
    let total = 0;
    for (const entry of this._entries) {
      if (entry.startTime >= span.start && entry.startTime <= span.end) total += entry.duration;
    }
    this._entries.length = 0;
    return total;
  }

  /** Stop observing. */
  disconnect(): void {
    this._observer.disconnect();
  }
}
