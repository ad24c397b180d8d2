// Child processes for the multi-process Postgres tests: start the worker fixture, read its
// stdout line by line, wait for a line, kill it.

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('../fixtures/postgres/worker.ts', import.meta.url));
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** A running worker process. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the first stdout line matching `pattern` (seen already or still to come). */
  line(pattern: RegExp, timeout?: number): Promise<string>;
  /** Resolves once the process has exited. */
  readonly exited: Promise<number | null>;
  /** Everything written to stdout and stderr so far. */
  output(): string;
}

/** Start a worker on `env` (DATABASE_URL, SCHEMA, …). */
export function startWorker(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const lines: string[] = [];
  let all = '';
  let partial = '';
  const waiters: Array<{ pattern: RegExp; resolve(line: string): void }> = [];
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    all += chunk;
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.pattern.test(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    all += chunk;
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      live.delete(child);
      resolve(code);
    });
  });
  return {
    child,
    pid: child.pid as number,
    exited,
    output: () => all,
    line(pattern, timeout = 30_000) {
      const seen = lines.find((line) => pattern.test(line));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no line matching ${pattern} within ${timeout} ms:\n${all}`)),
          timeout,
        );
        waiters.push({
          pattern,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
      });
    },
  };
}
