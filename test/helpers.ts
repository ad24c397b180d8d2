// Shared fixtures for the test suite: deferreds, bounded waits, garbage-collection helpers and
// a capturing logger. Nothing here sleeps to "let things settle": every wait polls a condition or
// awaits an event, and gives up after a generous, explicit bound.

import assert from 'node:assert/strict';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { InvalidArgumentError, type Logger } from '../src/index.js';

/** A promise with its `resolve` and `reject` exposed. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T | PromiseLike<T>): void;
  reject(error: unknown): void;
}

/** A promise you settle from the outside. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T | PromiseLike<T>) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Options for the bounded waits below. */
export interface WaitOptions {
  /** Give up after this many milliseconds. @default 5000 */
  timeout?: number;
  /** Named in the error when the wait gives up. @default 'condition' */
  what?: string;
}

const DEFAULT_WAIT_MS = 5_000;

/**
 * Poll `predicate` once per event-loop turn (via `setImmediate`) until it returns true; reject
 * if it has not after `timeout` ms.
 */
export async function waitFor(
  predicate: () => boolean,
  { timeout = DEFAULT_WAIT_MS, what = 'condition' }: WaitOptions = {},
): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await nextMacrotask();
  }
}

/**
 * Settle as `promise` does, or reject if it has not settled within `timeout` ms. The timer is
 * cleared once `promise` settles, so nothing is left behind.
 */
export function within<T>(promise: PromiseLike<T>, options: WaitOptions = {}): Promise<T> {
  const { timeout = DEFAULT_WAIT_MS, what = 'promise' } = options;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out after ${timeout} ms waiting for ${what}`)),
      timeout,
    );
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** The `global.gc` that `--expose-gc` provides; fails loudly when the flag is missing. */
export function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error('run the tests with --expose-gc');
  collect();
}

/**
 * Collect garbage and yield to the event loop (so `FinalizationRegistry` callbacks can run)
 * until `predicate` returns true; reject after `timeout` ms.
 */
export async function gcUntil(
  predicate: () => boolean,
  { timeout = DEFAULT_WAIT_MS, what = 'condition after gc' }: WaitOptions = {},
): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    gc();
    await nextMacrotask();
    if (predicate()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
  }
}

/** `heapUsed` after a few full collections, for memory-growth assertions. */
export async function settledHeapUsed(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc();
    await nextMacrotask();
  }
  return process.memoryUsage().heapUsed;
}

/** One call to a {@link captureLogger} logger. */
export interface LogEntry {
  readonly level: 'error' | 'warn' | 'info' | 'debug';
  readonly fields: Record<string, unknown>;
  readonly msg: string | undefined;
}

/** A {@link Logger} that keeps every entry (including those of its children) in `entries`. */
export function captureLogger(): { logger: Logger; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const make = (bindings: Record<string, unknown>): Logger => {
    const method =
      (level: LogEntry['level']) =>
      (fieldsOrMessage: Record<string, unknown> | string, message?: string): void => {
        const fields = typeof fieldsOrMessage === 'string' ? {} : fieldsOrMessage;
        const msg = typeof fieldsOrMessage === 'string' ? fieldsOrMessage : message;
        entries.push({ level, fields: { ...bindings, ...fields }, msg });
      };
    return {
      error: method('error'),
      warn: method('warn'),
      info: method('info'),
      debug: method('debug'),
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  return { logger: make({}), entries };
}

/** A {@link Logger} that drops everything, for tests where failures are the point. */
export const silentLogger: Logger = {
  error() {},
  warn() {},
  info() {},
  debug() {},
  child: () => silentLogger,
};

/**
 * Await `promise`, expecting it to reject; return the rejection so the test can assert on it.
 * Fails if it resolves.
 */
export async function rejectionOf(promise: PromiseLike<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

/**
 * Run `body` while recording what the process emits as `event` (`unhandledRejection`,
 * `warning`), beside the listeners already there; stop recording afterwards, whatever happens.
 */
export async function recordingProcessEvent<E = unknown, T = void>(
  event: 'unhandledRejection' | 'warning',
  body: (seen: E[]) => Promise<T>,
): Promise<T> {
  const seen: E[] = [];
  const record = (value: E): void => {
    seen.push(value);
  };
  process.on(event, record);
  try {
    return await body(seen);
  } finally {
    process.removeListener(event, record);
  }
}

/**
 * Run `body` with every `uncaughtException` listener (the test runner's included) replaced by
 * one that records the error; restore the original listeners afterwards, whatever happens.
 */
export async function withUncaughtExceptions<T>(
  body: (caught: unknown[]) => Promise<T>,
): Promise<T> {
  const saved = process.listeners('uncaughtException');
  const caught: unknown[] = [];
  const record = (error: unknown): void => {
    caught.push(error);
  };
  process.removeAllListeners('uncaughtException');
  process.on('uncaughtException', record);
  try {
    return await body(caught);
  } finally {
    process.removeListener('uncaughtException', record);
    for (const listener of saved) process.on('uncaughtException', listener);
  }
}

/**
 * For `assert.throws` and `assert.rejects`: the error is the `InvalidArgumentError` of an unknown
 * option key with exactly `message`, whose `argument` ends with that key and whose `suggestion`
 * is the one the message names (or `undefined` when it names none).
 */
export function unknownOption(message: string): (error: unknown) => true {
  return (error) => {
    assert.ok(error instanceof InvalidArgumentError, `expected an InvalidArgumentError: ${error}`);
    assert.equal(error.message, message);
    assert.equal(error.code, 'WARDEN_ERR_INVALID_ARGUMENT');
    const key = /: unknown option '([^']+)'/.exec(message)?.[1];
    assert.ok(key !== undefined, `not an unknown-option message: ${message}`);
    assert.ok(error.argument.endsWith(`.${key}`), `argument ${error.argument} names ${key}`);
    assert.equal(error.suggestion, /\(did you mean '([^']+)'\?\)$/.exec(message)?.[1]);
    return true;
  };
}
