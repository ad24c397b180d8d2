// What the Postgres suite needs of each queue system: a client in the parent that enqueues, and
// worker settings (a child script and its configuration) for each variant measured.

import type { BenchPayload } from './protocol.js';

/** The parent's connection to one system's queue, on one database. */
export interface QueueClient {
  /** Enqueue every payload with the system's bulk API (one call). */
  enqueueBulk(payloads: readonly BenchPayload[]): Promise<void>;
  /** Enqueue one job the way an application adds a single job. */
  enqueueOne(payload: BenchPayload): Promise<void>;
  /** Submit a job whose handler waits until it is cancelled; resolves with its id. */
  submitWaiter?(payload: BenchPayload): Promise<string>;
  /** Cancel job `id` (from this process); resolves true when a live job was cancelled. */
  cancel?(id: string): Promise<boolean>;
  /** Close the client's connections. */
  close(): Promise<void>;
}

/** One queue system (its schema is installed by `open`). */
export interface QueueSystem {
  /** Short key, used in the database name. */
  readonly key: string;
  /** Name and version, e.g. `graphile-worker 0.17.3`. */
  readonly name: string;
  /** How the parent enqueues (for the settings list). */
  readonly enqueueSettings: string;
  /** Connect to `url`, install or migrate the system's schema, and return a client. */
  open(url: string): Promise<QueueClient>;
}

/** One system at one set of worker settings. */
export interface WorkerVariant {
  readonly system: QueueSystem;
  /** Row label, e.g. `graphile-worker, tuned`. */
  readonly label: string;
  /** The exact worker settings, for the report. */
  readonly settings: string;
  /** The child script that runs one worker process. */
  readonly script: URL;
  /** The child's configuration for a database at `url`. */
  childConfig(url: string): unknown;
  /**
   * Jobs per throughput round, when the suite's 20,000 would take too long (times are scaled).
   * @default the suite's n
   */
  readonly throughputN?: number;
}
