// Child processes for the multi-process Postgres tests: start the worker fixture, read its
// stdout line by line, wait for a line, kill it.

import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { within } from '../helpers.js';
import { OutputLines } from '../output-lines.js';

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
  let all = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    all += chunk;
  });
  const lines = new OutputLines(child.stdout as Readable);
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
      const { found, cancel } = lines.first(pattern);
      return within(found, {
        timeout,
        what: `a line matching ${pattern}:\n${all}`,
      }).finally(cancel);
    },
  };
}
