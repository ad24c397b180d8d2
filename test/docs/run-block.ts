// Run a block file as a real process, `node --import tsx main.ts` in its own directory, bounded
// in time. A script must exit by itself; a service runs until told to stop: once it has printed
// its first line it gets SIGTERM and must then exit by itself. Every child still running when
// the test file ends is killed (killRunningBlocks, from an `after` hook).

import { type ChildProcess, spawn } from 'node:child_process';
import type { BlockFile } from './workspace.js';

/** How a run ended, and what it printed. */
export interface BlockRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** From SIGTERM to exit, for a service; from start to exit, for a script (ms). */
  readonly stopMs: number;
}

/** A block process that is running. */
export interface RunningBlock {
  /** Resolves with its first line of stdout; rejects if it exits or times out before one. */
  readonly firstLine: Promise<string>;
  /** Resolves once it has exited (killed after the time limit, rejecting). */
  readonly exited: Promise<BlockRun>;
  /** Send SIGTERM; the exit's `stopMs` is then measured from here. */
  terminate(): void;
}

const running = new Set<ChildProcess>();

/**
 * Start `file` with `env` added to the environment (which never passes on the test's
 * DATABASE_URL or PORT). Each wait gives up after `timeoutMs` and kills the child.
 */
export function startBlock(
  file: BlockFile,
  env: Readonly<Record<string, string>>,
  timeoutMs: number,
): RunningBlock {
  const child = spawn(process.execPath, ['--import', 'tsx', file.path], {
    cwd: file.dir,
    env: { ...inherited(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  let from = performance.now();
  const output = (): string => `stdout:\n${stdout}\nstderr:\n${stderr}`;
  const exit = new Promise<BlockRun>((resolve) => {
    child.on('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal, stdout, stderr, stopMs: performance.now() - from });
    });
  });
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const end = stdout.indexOf('\n');
      if (end !== -1) resolve(stdout.slice(0, end));
    });
    void exit.then(({ code, signal }) =>
      reject(
        new Error(`${file.label} exited (${code ?? signal}) before a first line\n${output()}`),
      ),
    );
  });
  firstLine.catch(() => {});
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const bounded = <T>(promise: Promise<T>, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${file.label}: ${what} within ${timeoutMs} ms\n${output()}`));
      }, timeoutMs);
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
  // Each time limit runs from when someone first waits.
  let started: Promise<string> | undefined;
  let exited: Promise<BlockRun> | undefined;
  return {
    get firstLine() {
      started ??= bounded(firstLine, 'no first line of output');
      return started;
    },
    get exited() {
      exited ??= bounded(exit, 'no exit');
      return exited;
    },
    terminate() {
      from = performance.now();
      child.kill('SIGTERM');
    },
  };
}

/** Run `file` to its end: a script as it is, a service stopped with SIGTERM after a first line. */
export async function runBlock(
  file: BlockFile,
  options: { service: boolean; env: Readonly<Record<string, string>>; timeoutMs: number },
): Promise<BlockRun> {
  const block = startBlock(file, options.env, options.timeoutMs);
  if (options.service) {
    await block.firstLine;
    block.terminate();
  }
  return block.exited;
}

/** The test's environment, without what would change what a block does. */
function inherited(): NodeJS.ProcessEnv {
  const { DATABASE_URL, PORT, ...env } = process.env;
  return env;
}

/** Kill every block process still running. */
export function killRunningBlocks(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/**
 * The lines of `stderr` that a clean run should not have written: anything but Warden's JSON
 * log lines below `error` (a stack trace, a warning, a FATAL banner, an error entry).
 */
export function unexpectedStderr(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line) => {
      try {
        const entry = JSON.parse(line) as { level?: unknown };
        return typeof entry.level !== 'number' || entry.level >= 50;
      } catch {
        return true;
      }
    });
}
