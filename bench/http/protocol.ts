// What an HTTP benchmark server child and the benchmark parent say to each other over the
// child's IPC channel. The HTTP traffic itself is the thing measured; this side channel only
// brackets rounds (so the child can measure itself: CPU time, peak RSS and heap) and releases a
// task that waits until every client is connected.

/** Parent → child: a request, answered by a {@link ControlReply} with the same `id`. */
export type ControlRequest =
  /** A round starts now: collect garbage, note the baseline, start sampling memory. */
  | { readonly id: number; readonly op: 'round-start' }
  /** The round has ended: stop sampling and answer with the {@link RoundStats}. */
  | { readonly id: number; readonly op: 'round-end' }
  /** Let the event source go (a waiting task, or the bare server's emitter). */
  | { readonly id: number; readonly op: 'release'; readonly taskId: string }
  /** The process's CPU time so far (to measure a span the parent chooses, e.g. idle streams). */
  | { readonly id: number; readonly op: 'cpu' };

/** Child → parent. */
export type ControlReply =
  | {
      readonly id: number;
      readonly ok: true;
      readonly stats?: RoundStats;
      /** `cpu`: CPU ms (user + system, every thread) since the process started. */
      readonly cpuMs?: number;
    }
  | { readonly id: number; readonly ok: false; readonly error: string };

/** What the server process measured of itself over one round. */
export interface RoundStats {
  /**
   * CPU time of the server process (user + system, every thread) over the round, ms: from
   * `round-start`, or from `release` when the round has one (the span the parent times).
   */
  readonly cpuMs: number;
  /**
   * Share of the round (timed as `cpuMs` is) the server's event loop was busy (not waiting for I/O), 0–1: near 1, the
   * server set the pace; well below, the clients (or the machine) did.
   */
  readonly loopBusy: number;
  /** RSS at the round's start (after a full GC), bytes. */
  readonly rssBefore: number;
  /** heapUsed at the round's start (after a full GC), bytes. */
  readonly heapBefore: number;
  /** Largest RSS sampled during the round, bytes. */
  readonly peakRss: number;
  /** Largest heapUsed sampled during the round (garbage included: no GC while it runs), bytes. */
  readonly peakHeapUsed: number;
  /** How many samples were taken (one every {@link SAMPLE_INTERVAL_MS} the event loop allowed). */
  readonly samples: number;
}

/** Milliseconds between memory samples in the server process. */
export const SAMPLE_INTERVAL_MS = 10;

/** The line a server child prints first on stdout: `URL http://127.0.0.1:port`. */
export const URL_PREFIX = 'URL ';
