// The parent's side of the worker child processes: spawn them (`node --import tsx script
// '<config json>'`), wait until each says it is ready, follow what they report, and stop them.
// Every child ever spawned is killed when the parent exits, whatever happened.

import { type ChildProcess, spawn } from 'node:child_process';
import type { ChildMessage, ParentMessage } from './protocol.js';

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** One worker child process and what it has reported. */
interface Member {
  readonly child: ChildProcess;
  /** Cumulative completed handlers, as last reported. */
  done: number;
  /** When its latest completed handler ended. */
  lastAt: number;
  exited: Promise<void>;
}

/** A waiter for some condition over the fleet's reports. */
interface Waiter {
  readonly check: () => boolean;
  readonly resolve: () => void;
}

/** `processes` worker children running one script with one configuration. */
export class Fleet {
  readonly #members: Member[] = [];
  readonly #waiters = new Set<Waiter>();
  readonly #starts = new Map<number, number>();
  readonly #fired = new Map<number, number>();
  #failure: Error | undefined;
  #stopping = false;

  private constructor() {}

  /** Spawn the children and resolve once every one is ready (or reject, having killed them). */
  static async start(
    script: URL,
    config: unknown,
    processes: number,
    readyTimeoutMs = 60_000,
  ): Promise<Fleet> {
    const fleet = new Fleet();
    try {
      const ready = Array.from({ length: processes }, () => fleet.#spawn(script, config));
      await withTimeout(Promise.all(ready), readyTimeoutMs, `worker children not ready`);
      return fleet;
    } catch (error) {
      await fleet.stop();
      throw error;
    }
  }

  #spawn(script: URL, config: unknown): Promise<void> {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', script.pathname, JSON.stringify(config)],
      { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
    );
    live.add(child);
    const exited = new Promise<void>((resolve) =>
      child.once('exit', (code, signal) => {
        live.delete(child);
        if (!this.#stopping) {
          this.#fail(new Error(`worker child exited with ${code ?? signal}`));
        }
        resolve();
      }),
    );
    const member: Member = { child, done: 0, lastAt: 0, exited };
    this.#members.push(member);
    return new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.on('message', (message: ChildMessage) => {
        switch (message.kind) {
          case 'ready':
            resolve();
            return;
          case 'done':
            member.done = message.count;
            member.lastAt = Math.max(member.lastAt, message.at);
            break;
          case 'start':
            this.#starts.set(message.seq, message.at);
            break;
          case 'fired':
            this.#fired.set(message.seq, message.at);
            break;
          case 'error':
            this.#fail(new Error(`worker child failed: ${message.message}`));
            reject(this.#failure);
            return;
        }
        this.#poke();
      });
      void exited.then(() => reject(this.#failure ?? new Error('worker child exited')));
    });
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    this.#poke();
  }

  #poke(): void {
    for (const waiter of this.#waiters) {
      if (this.#failure !== undefined || waiter.check()) {
        this.#waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  /** Resolve once `check()` holds (re-checked on every report), or reject on failure/timeout. */
  async until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (this.#failure === undefined && !check()) {
      let waiter: Waiter | undefined;
      const reached = new Promise<void>((resolve) => {
        waiter = { check, resolve };
        this.#waiters.add(waiter);
      });
      try {
        await withTimeout(reached, timeoutMs, what);
      } finally {
        if (waiter !== undefined) this.#waiters.delete(waiter);
      }
    }
    if (this.#failure !== undefined) throw this.#failure;
  }

  /** Completed handlers over all children, cumulative. */
  get done(): number {
    return this.#members.reduce((sum, member) => sum + member.done, 0);
  }

  /** The latest handler end reported by any child. */
  get lastAt(): number {
    return this.#members.reduce((latest, member) => Math.max(latest, member.lastAt), 0);
  }

  /** The reported start time of latency probe `seq`, if it has started. */
  startOf(seq: number): number | undefined {
    return this.#starts.get(seq);
  }

  /** When cancellation probe `seq`'s token fired, if it has. */
  firedAt(seq: number): number | undefined {
    return this.#fired.get(seq);
  }

  /** Forget the probe reports (between measurements). */
  clearProbes(): void {
    this.#starts.clear();
    this.#fired.clear();
  }

  /** Ask every child to stop; kill those still running after `graceMs`. Never rejects. */
  async stop(graceMs = 5_000): Promise<void> {
    this.#stopping = true;
    for (const { child } of this.#members) {
      if (child.connected) child.send({ kind: 'stop' } satisfies ParentMessage, () => {});
    }
    const all = Promise.all(this.#members.map((member) => member.exited));
    const timer = setTimeout(() => {
      for (const { child } of this.#members) child.kill('SIGKILL');
    }, graceMs);
    await all;
    clearTimeout(timer);
  }
}

/** `promise`, or a rejection naming `what` after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
