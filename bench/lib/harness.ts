// The shared benchmark harness: a suite is a list of cases measured against one baseline case.
// Each case runs a warm-up round, then `rounds` timed rounds (a full GC before each), and is
// reported as the median, its ratio to the baseline's median, the live heap per task while the
// work is in flight, and the heap still retained after all rounds (after a GC, minus before).

import { Clock, GcPauses } from './clock.js';
import { collectGarbage, heapUsed } from './heap.js';
import { median } from './stats.js';

/** Called by a case once every task of the round is in flight (spawned, not yet joined). */
export interface Probe {
  /** Marks the moment; only the untimed memory round does anything (a GC and a heap read). */
  inFlight(): void;
}

export type { Clock, Stopwatch } from './clock.js';

/** One contender in a suite. */
export interface BenchCase {
  /** Short label for the table. */
  readonly name: string;
  /**
   * Tasks per round when smaller than the suite's `n` (a slow contender); its time is scaled
   * linearly to the suite's `n`, and the table says so.
   * @default the suite's n
   */
  readonly n?: number;
  /** One line printed under the table, e.g. what exactly the case does. */
  readonly note?: string;
  /**
   * Run one round with `n` tasks and return the measured milliseconds (the case decides what is
   * timed, e.g. only from `cancel()` to all settled). Must leave nothing reachable behind.
   * Timing with `clock.start()` / `watch.elapsed()` also gives the CPU column the same span; a
   * case that times itself otherwise gets the CPU time of its whole `run` call.
   */
  run(n: number, probe: Probe, clock: Clock): Promise<number>;
}

/** The outcome of one case. */
export interface CaseResult {
  readonly name: string;
  /** Tasks per round actually run. */
  readonly n: number;
  /** True when the figures were scaled from a smaller `n`. */
  readonly scaled: boolean;
  /** Median ms, scaled to the suite's n. */
  readonly medianMs: number;
  /** Fastest and slowest round, scaled like the median. */
  readonly minMs: number;
  readonly maxMs: number;
  /** Every timed round, unscaled. */
  readonly roundsMs: readonly number[];
  /**
   * Median process CPU time (user + system, all threads: GC helpers included) over the same
   * span as the measured round, scaled like the median. Less sensitive than wall time to other
   * processes on a busy machine.
   */
  readonly cpuMs: number;
  /** Median total of main-thread GC pauses within the measured span, scaled like the median. */
  readonly gcMs: number;
  /** Median divided by the baseline's median. */
  readonly ratio: number;
  /** Heap per task while all tasks were in flight, bytes (heapUsed after GC, minus before). */
  readonly inFlightBytesPerTask: number | undefined;
  /** Heap retained after all timed rounds, bytes (heapUsed after GC, minus before the rounds). */
  readonly retainedBytes: number;
  readonly note: string | undefined;
}

/** A pass/fail line printed after a suite's table. */
export interface Check {
  readonly label: string;
  readonly pass: boolean;
  readonly detail: string;
}

/** A benchmark suite: cases measured against the first one (the baseline). */
export interface Suite {
  /** `group/name`, matched by the command-line filter. */
  readonly name: string;
  /** What is measured, one line. */
  readonly title: string;
  /** Tasks per round. */
  readonly n: number;
  /** The cases; the first is the baseline every ratio is relative to. */
  readonly cases: readonly BenchCase[];
  /** Lines printed under the table (how to read it, reference figures). */
  readonly notes?: readonly string[];
  /** Targets to check against the results. */
  checks?(results: readonly CaseResult[]): Check[];
  /** Called once before the first case (e.g. start a database). */
  setup?(): Promise<void>;
  /** Called once after the last case. */
  teardown?(): Promise<void>;
}

/** How a run is configured from the command line. */
export interface RunConfig {
  /** Timed rounds per case, after one warm-up. */
  readonly rounds: number;
  /** Multiplies every suite's n (and every case's own n), for a quick smoke run. */
  readonly scale: number;
  /** Called after every round, for progress output. */
  readonly onProgress?: (message: string) => void;
}

const noProbe: Probe = { inFlight() {} };

/** Run every case of `suite` and return the results, baseline first. */
export async function runSuite(suite: Suite, config: RunConfig): Promise<CaseResult[]> {
  const suiteN = Math.max(1, Math.round(suite.n * config.scale));
  const raw: Array<Omit<CaseResult, 'ratio'>> = [];
  const pauses = new GcPauses();
  await suite.setup?.();
  try {
    for (const benchCase of suite.cases) {
      raw.push(await runCase(benchCase, suiteN, config, pauses));
    }
  } finally {
    pauses.disconnect();
    await suite.teardown?.();
  }
  const baseline = raw[0]?.medianMs ?? Number.NaN;
  return raw.map((result) => ({ ...result, ratio: result.medianMs / baseline }));
}

async function runCase(
  benchCase: BenchCase,
  suiteN: number,
  config: RunConfig,
  pauses: GcPauses,
): Promise<Omit<CaseResult, 'ratio'>> {
  const n = Math.max(
    1,
    Math.min(suiteN, Math.round((benchCase.n ?? Number.POSITIVE_INFINITY) * config.scale)),
  );
  const factor = suiteN / n;
  const progress = config.onProgress ?? (() => {});

  // Warm-up: lets the JIT and any lazily initialised module state settle before anything counts.
  const clock = new Clock();
  await collectGarbage();
  await benchCase.run(n, noProbe, clock);

  // Memory round (untimed): live heap per task while everything is in flight.
  await collectGarbage();
  const beforeProbe = heapUsed();
  let atProbe: number | undefined;
  await benchCase.run(
    n,
    {
      inFlight() {
        collectGarbageSync();
        atProbe = heapUsed();
      },
    },
    clock,
  );
  const inFlightBytesPerTask = atProbe === undefined ? undefined : (atProbe - beforeProbe) / n;

  // Timed rounds; the heap is measured around all of them, so a leak shows up `rounds` times.
  await collectGarbage();
  const before = heapUsed();
  const roundsMs: number[] = [];
  const cpuMs: number[] = [];
  const gcMs: number[] = [];
  for (let round = 0; round < config.rounds; round++) {
    await collectGarbage();
    clock.reset();
    // Fallbacks for a case that times itself without the clock: its whole `run` call.
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const ms = await benchCase.run(n, noProbe, clock);
    const whole = process.cpuUsage(cpuStart);
    const span = clock.lastSpan ?? { start, end: performance.now() };
    const cpu = Number.isNaN(clock.lastCpuMs)
      ? (whole.user + whole.system) / 1000
      : clock.lastCpuMs;
    const gc = await pauses.within(span);
    roundsMs.push(ms);
    cpuMs.push(cpu);
    gcMs.push(gc);
    progress(
      `  ${benchCase.name}: round ${round + 1}/${config.rounds} ${ms.toFixed(1)} ms (cpu ${cpu.toFixed(1)}, gc ${gc.toFixed(1)})`,
    );
  }
  await collectGarbage();
  const retainedBytes = heapUsed() - before;

  return {
    name: benchCase.name,
    n,
    scaled: factor !== 1,
    medianMs: median(roundsMs) * factor,
    minMs: Math.min(...roundsMs) * factor,
    maxMs: Math.max(...roundsMs) * factor,
    roundsMs,
    cpuMs: median(cpuMs) * factor,
    gcMs: median(gcMs) * factor,
    inFlightBytesPerTask,
    retainedBytes,
    note: benchCase.note,
  };
}

function collectGarbageSync(): void {
  const gc = globalThis.gc;
  if (gc === undefined) throw new Error('run with node --expose-gc (npm run bench does)');
  gc();
  gc();
}
