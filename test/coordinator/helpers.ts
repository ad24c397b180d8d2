// Shared fixtures of the coordinator tests: the backend factory every suite run takes, a
// coordinator maker that cleans up after each test, and stream helpers.

import assert from 'node:assert/strict';
import {
  type CoordinatorBackend,
  TaskCoordinator,
  type TaskCoordinatorOptions,
  type TaskEvent,
} from '../../src/index.js';
import { captureLogger, type LogEntry, within } from '../helpers.js';

/** Where a suite run gets its backends. */
export interface BackendFactory {
  /** A name for the describe block. */
  readonly name: string;
  /** A fresh, not yet started backend for one coordinator. */
  make(options?: { concurrency?: number }): Promise<CoordinatorBackend> | CoordinatorBackend;
  /** Generous bound multiplier for slower backends (a database round trip per event). */
  readonly slow?: boolean;
  /**
   * Tests this backend is known to fail, by name, with the reason: they still run, and are
   * reported as todo instead of failing the run.
   */
  readonly knownIssues?: Readonly<Record<string, string>>;
}

/** A coordinator for one test, its log entries, and a `done()` that shuts it down. */
export interface Made {
  readonly coordinator: TaskCoordinator;
  readonly entries: LogEntry[];
}

/** Every coordinator made by {@link makeCoordinator} in the current test, and its backend. */
const made: Array<{ coordinator: TaskCoordinator; backend: CoordinatorBackend }> = [];

/**
 * A coordinator over a fresh backend from `factory`, with no runtime hook. The coordinator does
 * not own the backend (the default for a given one); both are shut down after the test.
 */
export async function makeCoordinator(
  factory: BackendFactory,
  options: TaskCoordinatorOptions & { concurrency?: number } = {},
): Promise<Made> {
  const { logger, entries } = captureLogger();
  const { concurrency, ...rest } = options;
  const backend = await factory.make(concurrency === undefined ? {} : { concurrency });
  const coordinator = new TaskCoordinator({ backend, logger, runtime: false, ...rest });
  made.push({ coordinator, backend });
  return { coordinator, entries };
}

/** Shut down every coordinator the test made (a no-op for those it already shut down). */
export async function shutdownAll(): Promise<void> {
  const all = made.splice(0);
  await Promise.all(
    all.map(async ({ coordinator, backend }) => {
      await coordinator.shutdown({ timeout: 2_000 });
      await backend.shutdown({ timeout: 0, grace: 2_000 });
    }),
  );
}

/** Every event of a stream until it ends, within a bound. */
export async function collect(
  stream: AsyncIterable<TaskEvent>,
  options: { timeout?: number; what?: string } = {},
): Promise<TaskEvent[]> {
  const events: TaskEvent[] = [];
  await within(
    (async () => {
      for await (const event of stream) events.push(event);
    })(),
    { timeout: options.timeout ?? 10_000, what: options.what ?? 'the stream to end' },
  );
  return events;
}

/** The types of `events`. */
export function types(events: readonly TaskEvent[]): string[] {
  return events.map((event) => event.type);
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
const FINAL = new Set([...TERMINAL, 'overflow', 'shutdown']);

/**
 * The stream invariants: seq 1, 2, 3 … with no gap (from `first`), times in order, exactly one
 * final event (terminal, overflow or shutdown), last.
 */
export function assertWellFormed(events: readonly TaskEvent[], taskId: string, first = 1): void {
  const real = events.filter((event) => event.type !== 'overflow' && event.type !== 'shutdown');
  real.forEach((event, index) => {
    assert.equal(event.taskId, taskId);
    assert.equal(event.seq, first + index, `seq of ${event.type} (event ${index})`);
    if (index > 0) assert.ok(event.time >= (real[index - 1] as TaskEvent).time, 'time order');
  });
  const finals = events.filter((event) => FINAL.has(event.type));
  assert.equal(finals.length, 1, `one final event in ${types(events).join(', ')}`);
  assert.equal(events.at(-1), finals[0], 'the final event is last');
}

/** The data of the last event. */
export function lastData<T>(events: readonly TaskEvent[]): T {
  return (events.at(-1) as TaskEvent).data as T;
}
