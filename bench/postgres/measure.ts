// The measurements of the Postgres suite, over workers that report what their handlers do
// (`Observed`: worker child processes, or an in-process worker): bulk throughput,
// enqueue-to-start latency, cross-process cancellation, percentiles.

import { setTimeout as sleep } from 'node:timers/promises';
import type { QueueClient } from './contender.js';
import { type BenchPayload, now } from './protocol.js';

/** Where handler activity is observed: worker children (`Fleet`) or an in-process worker. */
export interface Observed {
  /** Completed handlers, cumulative. */
  readonly done: number;
  /** When the latest completed handler ended (`now()` clock). */
  readonly lastAt: number;
  /** When latency probe `seq` started, once it has. */
  startOf(seq: number): number | undefined;
  /** When cancellation probe `seq`'s token fired, once it has. */
  firedAt(seq: number): number | undefined;
  /** Resolve once `check()` holds, or reject after `timeoutMs`. */
  until(check: () => boolean, timeoutMs: number, what: string): Promise<void>;
  clearProbes(): void;
}

/** One throughput round's figures. */
export interface DrainResult {
  /** From the start of the bulk enqueue call to the last handler's end: the figure compared. */
  readonly totalMs: number;
  /** The bulk enqueue call itself. */
  readonly enqueueMs: number;
  /** From the enqueue call's return to the last handler's end. */
  readonly afterEnqueueMs: number;
}

/**
 * Enqueue `n` jobs with one bulk call while the workers are running and idle, then wait until
 * all `n` handlers have ended. Timed from just before the enqueue call to the end of the last
 * handler, as the worker reported it: whether a system's workers may start while its bulk
 * enqueue is still going (several statements) or only once it commits (one), the span is the
 * same work.
 */
export async function drainRound(
  client: QueueClient,
  observed: Observed,
  n: number,
  timeoutMs: number,
): Promise<DrainResult> {
  const base = observed.done;
  const payloads: BenchPayload[] = Array.from({ length: n }, (_, seq) => ({ seq }));
  const before = now();
  await client.enqueueBulk(payloads);
  const enqueued = now();
  await observed.until(() => observed.done >= base + n, timeoutMs, `draining ${n} jobs`);
  if (observed.done !== base + n) {
    throw new Error(`${observed.done - base} handlers ran for ${n} jobs`);
  }
  const end = observed.lastAt;
  return { totalMs: end - before, enqueueMs: enqueued - before, afterEnqueueMs: end - enqueued };
}

/** Enqueue-to-handler-start latencies, milliseconds, in the order sent. */
export interface LatencySample {
  readonly latenciesMs: readonly number[];
  /** How long each counted probe's enqueue call took (part of its latency). */
  readonly enqueueMs: readonly number[];
}

/**
 * On idle workers, enqueue `count` probes one at a time (each `enqueueOne` awaited, then a
 * pause drawn uniformly from [gapMin, gapMax) ms so probes land at every phase of a poll loop),
 * then wait for every probe's start. A probe's latency is its handler's start minus the parent's
 * `now()` just before the enqueue call. `warmup` probes go first and are not counted.
 */
export async function measureLatency(
  client: QueueClient,
  observed: Observed,
  options: { count: number; warmup: number; gapMinMs: number; gapMaxMs: number; timeoutMs: number },
): Promise<LatencySample> {
  observed.clearProbes();
  const doneBefore = observed.done;
  const total = options.warmup + options.count;
  const sentAt = new Array<number>(total);
  const enqueueMs: number[] = [];
  for (let seq = 0; seq < total; seq++) {
    const t = now();
    sentAt[seq] = t;
    await client.enqueueOne({ seq, t });
    if (seq >= options.warmup) enqueueMs.push(now() - t);
    await sleep(options.gapMinMs + Math.random() * (options.gapMaxMs - options.gapMinMs));
  }
  await observed.until(
    () => observed.startOf(total - 1) !== undefined && allStarted(observed, total),
    options.timeoutMs,
    `latency probes starting`,
  );
  await observed.until(
    () => observed.done >= doneBefore + total,
    options.timeoutMs,
    `latency probes ending`,
  );
  const latenciesMs: number[] = [];
  for (let seq = options.warmup; seq < total; seq++) {
    latenciesMs.push((observed.startOf(seq) as number) - (sentAt[seq] as number));
  }
  observed.clearProbes();
  return { latenciesMs, enqueueMs };
}

/**
 * Cross-process cancellation: `count` times (after `warmup` uncounted ones), submit a job whose
 * handler waits on its token, wait until it has started, then time from just before
 * `client.cancel(id)` to the moment the handler's token fired, as its worker reported it.
 */
export async function measureCancellation(
  client: QueueClient,
  observed: Observed,
  options: { count: number; warmup: number; timeoutMs: number },
): Promise<readonly number[]> {
  const { submitWaiter, cancel } = client;
  if (submitWaiter === undefined || cancel === undefined) throw new Error('cannot cancel');
  observed.clearProbes();
  const latencies: number[] = [];
  const total = options.warmup + options.count;
  for (let seq = 0; seq < total; seq++) {
    const id = await submitWaiter.call(client, { seq, t: now() });
    await observed.until(
      () => observed.startOf(seq) !== undefined,
      options.timeoutMs,
      'waiter start',
    );
    const before = now();
    if (!(await cancel.call(client, id))) throw new Error(`cancel(${id}) found no live job`);
    await observed.until(
      () => observed.firedAt(seq) !== undefined,
      options.timeoutMs,
      'token firing',
    );
    if (seq >= options.warmup) latencies.push((observed.firedAt(seq) as number) - before);
    await sleep(Math.random() * 10);
  }
  observed.clearProbes();
  return latencies;
}

function allStarted(observed: Observed, total: number): boolean {
  for (let seq = 0; seq < total; seq++) if (observed.startOf(seq) === undefined) return false;
  return true;
}

/** The `p`-th percentile (0–100) of `values`, nearest-rank; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

/** `p50 1.6 ms, p90 2.6 ms, p99 5.8 ms (n = 500)`. */
export function formatPercentiles(values: readonly number[], ps: readonly number[]): string {
  const parts = ps.map((p) => `p${p} ${formatMs(percentile(values, p))}`);
  return `${parts.join(', ')} (n = ${values.length})`;
}

/** `1.6 ms`, `218 ms`, `0.42 ms`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  return `${ms < 1 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0)} ms`;
}
