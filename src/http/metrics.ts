/**
 * Prometheus metrics of a {@link TaskCoordinator} (prom-client), as `GET /metrics` serves them.
 *
 * @module
 */

import { Registry } from 'prom-client';
import type { TaskCoordinator } from '../coordinator/task-coordinator.js';
import { InvalidArgumentError } from '../errors.js';
import { checkOptionKeys, type OptionKeys, optionKeys } from '../internal/option-keys.js';
import { MAX_TIMER_MS } from '../task/internal/validate.js';
import { BackendCounts } from './internal/metrics-backend-counts.js';
import { createNodeMetrics, type NamedMetric, type NodeMetrics } from './internal/metrics-node.js';
import { createTaskMetrics, TASK_METRIC_NAMES } from './internal/metrics-task.js';

export { TASK_DURATION_BUCKETS } from './internal/metrics-task.js';

/** Options for {@link createWardenMetrics}; every default is in {@link wardenMetricsDefaults}. */
export interface WardenMetricsOptions {
  /**
   * The registry to register the metrics on. Give your own to serve Warden's metrics with your
   * application's; it must not have Warden's metrics yet (one {@link WardenMetrics} per
   * registry). Never prom-client's global `register` unless you give it.
   * @default a new `Registry` of its own
   */
  registry?: Registry;
  /**
   * Add Node's default metrics (prom-client's `collectDefaultMetrics`: event-loop lag
   * `nodejs_eventloop_lag_seconds`, heap, GC, CPU, file descriptors…). Skipped when the
   * registry already has them.
   * @default true
   */
  collectDefaultMetrics?: boolean;
  /**
   * How long a scrape waits for the backend's counts (`warden_tasks`), in milliseconds; then
   * `warden_backend_up` is 0 and `warden_tasks` keeps its last values. Keep it below your
   * Prometheus `scrape_timeout`.
   * @default 5_000
   */
  backendTimeout?: number;
}

/** The defaults of {@link WardenMetricsOptions}. */
export const wardenMetricsDefaults = {
  collectDefaultMetrics: true,
  backendTimeout: 5_000,
} as const satisfies WardenMetricsOptions;

const metricsOptionKeys = optionKeys(wardenMetricsDefaults, ['registry']) satisfies OptionKeys<
  keyof WardenMetricsOptions
>;

/**
 * A coordinator's metrics on a prom-client registry: runs counted as they start and end in this
 * process, the backend's counts read at each scrape, the SSE streams the HTTP server reports.
 * Made by {@link createWardenMetrics}.
 */
export interface WardenMetrics {
  /** The registry the metrics are on. */
  readonly registry: Registry;
  /** The `Content-Type` of {@link WardenMetrics.render}'s text. */
  readonly contentType: string;
  /**
   * Collect every metric of the registry (asking the backend for its counts, bounded by
   * `backendTimeout`) and return the Prometheus text. Never rejects for a backend that is down.
   */
  render(): Promise<string>;
  /** An SSE stream of task events has opened (`warden_sse_streams` + 1). */
  streamOpened(): void;
  /** An SSE stream has closed (`warden_sse_streams` − 1, never below 0). */
  streamClosed(): void;
  /**
   * Stop: stop observing the coordinator, stop the event-loop monitor and GC observer of Node's
   * default metrics, and take the metrics off the registry (clear it, when it is our own).
   * Nothing is left running. Idempotent.
   */
  dispose(): void;
}

/**
 * Prometheus metrics of `coordinator`, on a new registry (or `options.registry`):
 *
 * - `warden_tasks_started_total{kind}`: runs started in this process (each attempt counts).
 * - `warden_tasks_finished_total{kind,outcome,timeout}`: runs ended in this process; `outcome`
 *   is `succeeded`, `failed` or `cancelled`; `timeout="true"` marks failures by time limit.
 * - `warden_task_duration_seconds{kind,outcome}`: histogram of run durations, 5 ms to 5 min
 *   ({@link TASK_DURATION_BUCKETS}).
 * - `warden_tasks_running`: handlers running in this process now.
 * - `warden_tasks{state}`: the backend's counts, read at scrape time (on Postgres, the whole
 *   queue; queue depth is `state="queued"`); kept at their last values when the backend does not
 *   answer, and then `warden_backend_up` is 0.
 * - `warden_sse_streams`: SSE streams open, as {@link WardenMetrics.streamOpened} and
 *   {@link WardenMetrics.streamClosed} report them.
 * - Node's default metrics (`nodejs_eventloop_lag_seconds`, heap, GC…), unless turned off.
 *
 * Runs are counted from the moment of this call. Call {@link WardenMetrics.dispose} when done:
 * Node's default metrics sample the event loop until then.
 *
 * @example
 * ```ts
 * const metrics = createWardenMetrics(coordinator);
 * http.createServer(async (req, res) => {
 *   res.setHeader('Content-Type', metrics.contentType);
 *   res.end(await metrics.render());
 * }).listen(9464);
 * // on shutdown
 * metrics.dispose();
 * ```
 */
export function createWardenMetrics(
  coordinator: TaskCoordinator,
  options: WardenMetricsOptions = {},
): WardenMetrics {
  if (
    typeof coordinator !== 'object' ||
    coordinator === null ||
    typeof coordinator.observe !== 'function' ||
    typeof coordinator.counts !== 'function'
  ) {
    throw new InvalidArgumentError('coordinator', 'a TaskCoordinator', coordinator);
  }
  const { registry: given, collectDefaults, backendTimeout } = resolveMetricsOptions(options);
  const registry = given ?? new Registry();
  for (const name of TASK_METRIC_NAMES) {
    if (registry.getSingleMetric(name) !== undefined) {
      throw new InvalidArgumentError(
        'options.registry',
        'a registry without Warden metrics (one WardenMetrics per registry)',
        `a registry that has ${name}`,
      );
    }
  }

  let streams = 0;
  const counts = new BackendCounts(() => coordinator.counts(), backendTimeout);
  const task = createTaskMetrics({
    running: () => coordinator.stats().running,
    counts,
    streams: () => streams,
  });
  let node: NodeMetrics | undefined = collectDefaults ? createNodeMetrics() : undefined;
  if (node?.metrics.some((metric) => registry.getSingleMetric(metric.name) !== undefined)) {
    // The registry has Node's default metrics already (its owner collects them): keep those.
    node.stop();
    node = undefined;
  }
  const registered: readonly NamedMetric[] = [...task.metrics, ...(node?.metrics ?? [])];
  for (const metric of registered) registry.registerMetric(metric);
  const observation = coordinator.observe(task.observer);

  let disposed = false;
  return {
    registry,
    get contentType() {
      return registry.contentType;
    },
    render: () => registry.metrics(),
    streamOpened() {
      streams++;
    },
    streamClosed() {
      if (streams > 0) streams--;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      observation.dispose();
      node?.stop();
      if (given === undefined) registry.clear();
      else for (const metric of registered) registry.removeSingleMetric(metric.name);
    },
  };
}

/** The options, checked, with their defaults. */
function resolveMetricsOptions(options: WardenMetricsOptions): {
  registry: Registry | undefined;
  collectDefaults: boolean;
  backendTimeout: number;
} {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', 'an object', options);
  }
  checkOptionKeys(options, metricsOptionKeys, 'createWardenMetrics');
  const {
    registry,
    collectDefaultMetrics = wardenMetricsDefaults.collectDefaultMetrics,
    backendTimeout = wardenMetricsDefaults.backendTimeout,
  } = options;
  if (
    registry !== undefined &&
    (typeof registry !== 'object' ||
      registry === null ||
      typeof registry.registerMetric !== 'function' ||
      typeof registry.metrics !== 'function')
  ) {
    throw new InvalidArgumentError('options.registry', 'a prom-client Registry', registry);
  }
  if (typeof collectDefaultMetrics !== 'boolean') {
    throw new InvalidArgumentError(
      'options.collectDefaultMetrics',
      'a boolean',
      collectDefaultMetrics,
    );
  }
  if (
    typeof backendTimeout !== 'number' ||
    !Number.isFinite(backendTimeout) ||
    backendTimeout <= 0 ||
    backendTimeout > MAX_TIMER_MS
  ) {
    throw new InvalidArgumentError(
      'options.backendTimeout',
      `a number of milliseconds above 0, at most ${MAX_TIMER_MS}`,
      backendTimeout,
    );
  }
  return { registry, collectDefaults: collectDefaultMetrics, backendTimeout };
}
