// `warden serve` as a user starts it, from the built package: how long until it listens, and the
// memory it holds once idle, on a fresh data directory (the first start) and on an existing one,
// beside a bare `node:http` server started the same way. The package is built first (tsc), so
// what is measured is what `npx warden serve` runs, without the TypeScript loader.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { BenchCase, Check, Suite } from '../lib/harness.js';
import { median } from '../lib/stats.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(REPO, 'dist/src/cli/main.js');
/** How long a started process idles before its memory is read: part of what is measured. */
const IDLE_MS = 2_000;
const work = mkdtempSync(join(tmpdir(), 'warden-bench-serve-'));
const tasksModule = join(work, 'tasks.mjs');
/** Resident memory of each case's rounds, MB. */
const rss = new Map<string, number[]>();

/** Start `args`, resolve once a stdout line matches `ready`, read RSS after idling, stop it. */
async function startOnce(name: string, args: readonly string[], ready: RegExp): Promise<number> {
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = once(child, 'exit');
  try {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const listening = new Promise<void>((resolve, reject) => {
      lines.on('line', (line) => {
        if (ready.test(line)) resolve();
      });
      void exited.then(() => reject(new Error(`${name} exited before it was ready:\n${stderr}`)));
    });
    await listening;
    const ms = performance.now() - started;
    await delay(IDLE_MS);
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
    rss.set(name, [...(rss.get(name) ?? []), kb / 1024]);
    return ms;
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const bareCase: BenchCase = {
  name: 'bare node:http',
  note: 'node -e: a node:http server listening on a free port, printing "ready".',
  run(_n) {
    return startOnce(
      this.name,
      [
        '-e',
        "require('node:http').createServer().listen(0, '127.0.0.1', () => console.log('ready'))",
      ],
      /^ready$/,
    );
  },
};

function serveCase(name: string, fresh: boolean): BenchCase {
  const dir = join(work, fresh ? 'fresh' : 'existing');
  return {
    name,
    note: fresh
      ? 'node dist/src/cli/main.js serve --data-dir <new dir> --port 0 --tasks <one kind> --json, a new data directory each round.'
      : 'The same on a data directory an earlier start created.',
    async run(_n) {
      if (fresh) rmSync(dir, { recursive: true, force: true });
      const args = [
        MAIN,
        'serve',
        '--data-dir',
        dir,
        '--port',
        '0',
        '--tasks',
        tasksModule,
        '--json',
      ];
      return startOnce(this.name, args, /"event":"listening"/);
    },
  };
}

const freshCase = serveCase('warden serve, fresh data directory', true);
const existingCase = serveCase('warden serve, existing data directory', false);

const suite: Suite = {
  name: 'serve/start',
  title: 'warden serve (the built package) until it listens, and its memory once idle',
  n: 1,
  cases: [bareCase, freshCase, existingCase],
  notes: [
    `Each round starts one process and times it from spawn to its listening line; ${IDLE_MS / 1000} s later its resident memory (VmRSS) is read, then it gets SIGTERM. The package is built (npm run build) before the suite.`,
  ],
  async setup() {
    execFileSync('npm', ['run', 'build'], { cwd: REPO, stdio: 'ignore' });
    writeFileSync(tasksModule, 'export const tasks = { noop: async () => null };\n');
    // The existing data directory's first start is not measured.
    await startOnce(
      'setup',
      [
        MAIN,
        'serve',
        '--data-dir',
        join(work, 'existing'),
        '--port',
        '0',
        '--tasks',
        tasksModule,
        '--json',
      ],
      /"event":"listening"/,
    );
  },
  async teardown() {
    rmSync(work, { recursive: true, force: true });
  },
  checks(results): Check[] {
    const checks: Check[] = results.map((result) => ({
      label: `${result.name}: resident memory once idle`,
      pass: true,
      detail: `${median(rss.get(result.name) ?? [Number.NaN]).toFixed(0)} MB (median); ready after ${result.medianMs.toFixed(0)} ms`,
    }));
    for (const result of [freshCase, existingCase]) {
      const mb = median(rss.get(result.name) ?? [Number.NaN]);
      checks.push({
        label: `${result.name}: ≤ 250 MB once idle`,
        pass: mb <= 250,
        detail: `${mb.toFixed(0)} MB`,
      });
    }
    return checks;
  },
};

export default suite;
