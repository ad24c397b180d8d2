// Node's default metrics (prom-client's `collectDefaultMetrics`), made stoppable.
//
// Two of prom-client's default metrics start something that outlives the registry:
// `nodejs_eventloop_lag_*` enables a `perf_hooks.monitorEventLoopDelay()` histogram (a timer
// sampling every 10 ms) and `nodejs_gc_duration_seconds` connects a `PerformanceObserver` for GC
// entries. prom-client 15 keeps both in closures and offers no way to stop them, so every
// `collectDefaultMetrics()` call would leak one of each for the life of the process. We look
// both up through the `perf_hooks` module object, as prom-client does when the call runs (it is
// synchronous), and wrap them for that one call to keep what it creates: `stop()` then disables
// the monitor and disconnects the observer. Should a later prom-client create them another way,
// nothing is caught and `stop()` stops less: the metrics themselves still work.

import perfHooks from 'node:perf_hooks';
import { collectDefaultMetrics, type Metric, Registry } from 'prom-client';

/** A prom-client metric with its name (every metric has one; prom-client's types omit it). */
export type NamedMetric = Metric & { readonly name: string };

/** Node's default metrics, made but not registered anywhere yet, and how to stop them. */
export interface NodeMetrics {
  /** The metrics, to register on a registry. */
  readonly metrics: readonly NamedMetric[];
  /** Stop the event-loop monitor and the GC observer they started. Idempotent. */
  stop(): void;
}

/** The part of `perf_hooks` that prom-client's default metrics start things with. */
type PerfHooksEntryPoints = {
  monitorEventLoopDelay: typeof perfHooks.monitorEventLoopDelay;
  PerformanceObserver: typeof perfHooks.PerformanceObserver;
};

/** Make Node's default metrics (prom-client's set) on a registry of their own, stoppable. */
export function createNodeMetrics(): NodeMetrics {
  const stops: Array<() => void> = [];
  const hooks: PerfHooksEntryPoints = perfHooks;
  const { monitorEventLoopDelay, PerformanceObserver } = hooks;
  hooks.monitorEventLoopDelay = (options) => {
    const histogram = monitorEventLoopDelay(options);
    stops.push(() => histogram.disable());
    return histogram;
  };
  hooks.PerformanceObserver = class StoppablePerformanceObserver extends PerformanceObserver {
    constructor(callback: ConstructorParameters<typeof PerformanceObserver>[0]) {
      super(callback);
      stops.push(() => this.disconnect());
    }
  };
  // A registry of their own first: the caller checks for name clashes before registering any.
  const scratch = new Registry();
  try {
    collectDefaultMetrics({ register: scratch });
  } catch (error) {
    for (const stop of stops) stop();
    throw error;
  } finally {
    hooks.monitorEventLoopDelay = monitorEventLoopDelay;
    hooks.PerformanceObserver = PerformanceObserver;
  }
  return {
    // prom-client types the array's items as plain objects; they are the metrics themselves.
    metrics: scratch.getMetricsAsArray() as unknown as NamedMetric[],
    stop() {
      for (const stop of stops.splice(0)) stop();
    },
  };
}
