// Warden's own metrics: the prom-client objects, made without a registry, and the coordinator
// observer that feeds the per-run ones. Names, labels and buckets are the contract of
// `GET /metrics` (docs/http.md); change them only with the docs.

import { Counter, Gauge, Histogram } from 'prom-client';
import type { TaskRunEnd, TaskRunObserver } from '../../coordinator/coordinator-options.js';
import { type BackendCounts, TASK_STATES } from './metrics-backend-counts.js';
import type { NamedMetric } from './metrics-node.js';

/**
 * The buckets of `warden_task_duration_seconds`, in seconds: 5 ms to 5 minutes, roughly
 * ×2–2.5 apart, so a short task and a long job are both resolved.
 *
 * @example
 * ```ts
 * // p95 duration per kind over 5 minutes (PromQL):
 * // histogram_quantile(0.95, sum by (kind, le) (rate(warden_task_duration_seconds_bucket[5m])))
 * TASK_DURATION_BUCKETS.at(-1); // 300
 * ```
 */
export const TASK_DURATION_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
];

/** The names of Warden's own metrics (what a registry must not have yet). */
export const TASK_METRIC_NAMES: readonly string[] = [
  'warden_tasks_started_total',
  'warden_tasks_finished_total',
  'warden_task_duration_seconds',
  'warden_tasks_running',
  'warden_tasks',
  'warden_backend_up',
  'warden_sse_streams',
];

/** Where the gauges read their values at scrape time. */
export interface TaskMetricSources {
  /** Task handlers running in this process (`coordinator.stats().running`). */
  running(): number;
  /** The backend's counts. */
  readonly counts: BackendCounts;
  /** Open SSE streams. */
  streams(): number;
}

/** Warden's metrics and the observer that counts runs into them. */
export interface TaskMetrics {
  /** In the order of {@link TASK_METRIC_NAMES}. */
  readonly metrics: readonly NamedMetric[];
  /** Give to `coordinator.observe()`. */
  readonly observer: TaskRunObserver;
}

/** The `outcome`/`timeout` label pairs a run can end with. */
const FINISHED_LABELS: ReadonlyArray<{ outcome: TaskRunEnd['outcome']; timeout: string }> = [
  { outcome: 'succeeded', timeout: 'false' },
  { outcome: 'failed', timeout: 'false' },
  { outcome: 'failed', timeout: 'true' },
  { outcome: 'cancelled', timeout: 'false' },
];

/** Make Warden's metrics, registered nowhere yet. */
export function createTaskMetrics(sources: TaskMetricSources): TaskMetrics {
  const started = new Counter({
    name: 'warden_tasks_started_total',
    help: 'Task runs started in this process, by kind (each attempt of a retried task counts).',
    labelNames: ['kind'],
    registers: [],
  });
  const finished = new Counter({
    name: 'warden_tasks_finished_total',
    help:
      'Task runs ended in this process, by kind and outcome (succeeded, failed, cancelled); ' +
      'timeout="true" marks the failures that were their time limit.',
    labelNames: ['kind', 'outcome', 'timeout'],
    registers: [],
  });
  const duration = new Histogram({
    name: 'warden_task_duration_seconds',
    help: 'How long task runs in this process took, in seconds, by kind and outcome.',
    labelNames: ['kind', 'outcome'],
    buckets: [...TASK_DURATION_BUCKETS],
    registers: [],
  });
  const running = new Gauge({
    name: 'warden_tasks_running',
    help: 'Task handlers running in this process now.',
    registers: [],
    collect() {
      this.set(sources.running());
    },
  });
  const tasks = new Gauge({
    name: 'warden_tasks',
    help:
      "Tasks the backend holds, by state (a durable backend's whole queue: queue depth is " +
      'state="queued"); the last values the backend gave when it cannot answer.',
    labelNames: ['state'],
    registers: [],
    async collect() {
      await sources.counts.refresh();
      const last = sources.counts.last;
      if (last === undefined) return;
      for (const state of TASK_STATES) this.set({ state }, last[state] ?? 0);
    },
  });
  const backendUp = new Gauge({
    name: 'warden_backend_up',
    help: "1 when the backend answered this scrape's count of tasks in time, else 0.",
    registers: [],
    async collect() {
      await sources.counts.refresh();
      this.set(sources.counts.up ? 1 : 0);
    },
  });
  const streams = new Gauge({
    name: 'warden_sse_streams',
    help: 'Task event streams (SSE) this process is serving now.',
    registers: [],
    collect() {
      this.set(sources.streams());
    },
  });

  const kinds = new Set<string>();
  const observer: TaskRunObserver = {
    started({ kind }) {
      if (!kinds.has(kind)) {
        // Every series of a kind exists from its first run, at 0, so `rate()` and `increase()`
        // see the first failure rather than a series appearing from nowhere.
        kinds.add(kind);
        for (const labels of FINISHED_LABELS) finished.inc({ kind, ...labels }, 0);
      }
      started.inc({ kind });
    },
    ended({ kind, outcome, timeout, durationMs }) {
      // The coordinator reports `timeout` whenever the time limit had passed; the label means
      // "failed because of it", so a run that finished anyway is not marked.
      const timedOut = outcome === 'failed' && timeout;
      finished.inc({ kind, outcome, timeout: timedOut ? 'true' : 'false' });
      duration.observe({ kind, outcome }, durationMs / 1_000);
    },
  };
  // prom-client's types leave out `name`; every metric has it.
  const metrics = [started, finished, duration, running, tasks, backendUp, streams];
  return { metrics: metrics as unknown as NamedMetric[], observer };
}
