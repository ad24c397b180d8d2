// Shared fixtures of the CLI tests: run `warden` as a real child process (node --import tsx
// src/cli/main.ts), wait for its output lines, find a closed port, and make a fresh database
// on the PostgreSQL server for a test.

import { type ChildProcess, type ChildProcessByStdio, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { within } from '../helpers.js';
import { OutputLines } from '../output-lines.js';
import { DEFAULT_DATABASE_URL } from '../postgres/engines.js';

/** The repository root: the children's working directory. */
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = ['--import', 'tsx', 'src/cli/main.ts'];

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** What a finished `warden` run printed, and how it ended. */
export interface WardenRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

/** Environment for the children: no WARDEN_* from the outer shell unless the test sets it. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('WARDEN_') || key === 'WARDEN_TEST_DATABASE_URL') base[key] = value;
  }
  return { ...base, WARDEN_LOG_LEVEL: 'warn', ...env };
}

/** Run `warden ...args` to its end (killed after `timeout` ms). */
export function runWarden(
  args: readonly string[],
  { env = {}, timeout = 30_000 }: { env?: Record<string, string>; timeout?: number } = {},
): Promise<WardenRun> {
  const started = Date.now();
  const { child, stdout, stderr } = spawnWarden(args, env);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({
        code,
        signal,
        stdout: stdout(),
        stderr: stderr(),
        durationMs: Date.now() - started,
      });
    });
  });
}

/** Spawn `warden ...args`, tracked in `live`, collecting what it writes. */
function spawnWarden(
  args: readonly string[],
  env: Record<string, string>,
): { child: ChildProcessByStdio<null, Readable, Readable>; stdout(): string; stderr(): string } {
  const child = spawn(process.execPath, [...MAIN, ...args], {
    cwd: REPO,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return { child, stdout: () => stdout, stderr: () => stderr };
}

/** A `warden` process that keeps running (serve, worker). */
export interface WardenProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** The first stdout line matching `pattern`, seen already or still to come. */
  line(pattern: RegExp, timeout?: number): Promise<string>;
  /** Resolves with the exit code (or null when killed by a signal) once it has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything it wrote so far, stdout then stderr. */
  output(): string;
  /** What it wrote to stdout so far. */
  stdout(): string;
  /** Send `signal` (if still running) and wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start `warden ...args` and keep it running; it is killed when the test process exits. */
export function startWarden(
  args: readonly string[],
  { env = {} }: { env?: Record<string, string> } = {},
): WardenProcess {
  const { child, stdout, stderr } = spawnWarden(args, env);
  const lines = new OutputLines(child.stdout);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  const output = (): string => `${stdout()}\n--- stderr ---\n${stderr()}`;
  return {
    child,
    pid: child.pid as number,
    exited,
    output,
    stdout,
    line(pattern, timeout = 60_000) {
      const { found, cancel } = lines.first(pattern);
      const gone = exited.then(({ code, signal }) => {
        throw new Error(
          `exited (${code ?? signal}) before a line matching ${pattern}:\n${output()}`,
        );
      });
      return within(Promise.race([found, gone]), {
        timeout,
        what: `a line matching ${pattern} from warden ${args[0]}:\n${output()}`,
      }).finally(cancel);
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** A port nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A temporary directory, removed after the test. */
export function tempDir(t: TestContext, prefix = 'warden-cli-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The PostgreSQL server of the tests (WARDEN_TEST_DATABASE_URL, or the local default). */
export const SERVER_URL = process.env.WARDEN_TEST_DATABASE_URL || DEFAULT_DATABASE_URL;

/**
 * True when the test server answers. A configured WARDEN_TEST_DATABASE_URL must answer (else
 * this throws); the local default may be absent (the tests that need it are skipped).
 */
export async function serverAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: SERVER_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch (error) {
    if (process.env.WARDEN_TEST_DATABASE_URL) {
      throw new Error(`WARDEN_TEST_DATABASE_URL=${SERVER_URL} is not reachable`, { cause: error });
    }
    return false;
  }
}

/** A fresh database `warden_cli_<random>` on the test server, dropped after the test. */
export async function freshDatabase(t: TestContext): Promise<string> {
  const name = `warden_cli_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  t.after(async () => {
    const cleanup = new pg.Client({ connectionString: SERVER_URL });
    await cleanup.connect();
    await cleanup.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await cleanup.end();
  });
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Run SQL on `url` (for assertions). */
export async function query<R = Record<string, unknown>>(url: string, sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as R[];
  } finally {
    await client.end();
  }
}
