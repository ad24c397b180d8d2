// Graceful shutdown latency: a real child process with N in-flight tasks, each needing 1 ms of
// async cleanup once cancelled, gets SIGTERM; timed from the signal to the child's 'exit' event
// in this (parent) process. The baseline is the same program using close-with-grace (abort a
// shared AbortController, await every task). Process start-up is not timed.
//
// Runs inside `npm run bench` (registered in bench/index.ts) or alone:
//   node --expose-gc --import tsx bench/lifecycle/shutdown.ts [--rounds=5] [--n=10000]

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchCase, CaseResult, Check, Suite } from '../lib/harness.js';

/** The runtime's deadline in the Warden program; no round may come near it. */
const DEADLINE_MS = 25_000;
/** Target from the issue: Warden within 1.2× of close-with-grace. */
const TARGET_RATIO = 1.2;

/**
 * Start `program` with `n` tasks, wait for READY, send SIGTERM and resolve with the
 * milliseconds until the child's 'exit' event. Rejects if it exits with a code other than 0.
 */
function timeShutdown(program: string, n: number, ...args: string[]): Promise<number> {
  const script = fileURLToPath(new URL(`./${program}.ts`, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, String(n), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WARDEN_LOG_LEVEL: 'info' },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise<number>((resolve, reject) => {
    let sentAt: number | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (sentAt === undefined && stdout.includes('READY\n')) {
        sentAt = performance.now();
        child.kill('SIGTERM');
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const exitedAt = performance.now();
      if (sentAt === undefined || code !== 0) {
        reject(
          new Error(
            `${program} exited with ${code ?? signal} ${sentAt === undefined ? 'before READY' : 'after SIGTERM'}\n${stderr}`,
          ),
        );
        return;
      }
      resolve(exitedAt - sentAt);
    });
  });
}

/** One program under test: how to time one round of it. */
interface Program {
  readonly name: string;
  readonly note: string;
  time(n: number): Promise<number>;
}

const programs: readonly Program[] = [
  {
    name: 'close-with-grace',
    note: 'on SIGTERM: resolve one promise every task awaits, await Promise.all(tasks), process.exit(0).',
    time: (n) => timeShutdown('close-with-grace-service', n, 'gate'),
  },
  {
    name: 'close-with-grace + AbortSignal',
    note: "the same, but every task awaits the 'abort' event of one shared AbortSignal (idiomatic; dispatch to N listeners).",
    time: (n) => timeShutdown('close-with-grace-service', n, 'signal'),
  },
  {
    name: 'warden Runtime',
    note: 'root-scope tasks with spawn sites recorded; SIGTERM → phased shutdown (hooks, cancel with reason, drain, report log line) → exit(0).',
    time: (n) => timeShutdown('warden-service', n),
  },
];

// Rounds are interleaved: the harness runs every round of the first case before the next case,
// so on a shared, loaded machine a drift in load would land on one case only. Instead each
// round of the first case runs every program, in an order that rotates from round to round,
// and queues the other programs' times; their own rounds then replay those measurements (or
// measure afresh if the queue is empty, e.g. when run alone).
const queued = new Map<string, number[]>(programs.map((program) => [program.name, []]));
let rotation = 0;

async function interleavedRound(n: number): Promise<number> {
  const order = programs.map((_, index) => programs[(index + rotation) % programs.length]);
  rotation++;
  let baseline = Number.NaN;
  for (const program of order) {
    if (program === undefined) continue;
    const ms = await program.time(n);
    if (program === programs[0]) baseline = ms;
    else queued.get(program.name)?.push(ms);
  }
  return baseline;
}

const cases: BenchCase[] = programs.map((program, index) => ({
  name: program.name,
  note: program.note,
  run: (n: number) => {
    if (index === 0) return interleavedRound(n);
    const next = queued.get(program.name)?.shift();
    return next === undefined ? program.time(n) : Promise.resolve(next);
  },
}));
const warden = cases[cases.length - 1] as BenchCase;

const suite: Suite = {
  name: 'lifecycle/shutdown',
  title: 'SIGTERM → process exit, N in-flight tasks with 1 ms async cleanup each',
  n: 10_000,
  cases,
  notes: [
    "Each round is a fresh child process; timed in the parent from kill('SIGTERM') to the child's 'exit' event. Heap columns are the parent's and mean nothing here.",
    'Rounds are interleaved: each round runs every program once, in a rotating order, so load drift on a shared machine hits all cases alike.',
  ],
  checks(results: readonly CaseResult[]): Check[] {
    const ours = results.find((result) => result.name === warden.name);
    if (ours === undefined) return [];
    return [
      {
        label: `warden within ${TARGET_RATIO}× of close-with-grace`,
        pass: ours.ratio <= TARGET_RATIO,
        detail: `${ours.ratio.toFixed(2)}× (median ${ours.medianMs.toFixed(1)} ms)`,
      },
      {
        label: `never past the ${DEADLINE_MS / 1000} s deadline`,
        pass: ours.maxMs < DEADLINE_MS,
        detail: `slowest round ${ours.maxMs.toFixed(1)} ms`,
      },
    ];
  },
};

export default suite;

// Standalone: `node --expose-gc --import tsx bench/lifecycle/shutdown.ts`.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { runSuite } = await import('../lib/harness.js');
  const { formatText } = await import('../lib/table.js');
  const option = (name: string, fallback: number): number => {
    const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
    return arg === undefined ? fallback : Number(arg.split('=')[1]);
  };
  const rounds = option('rounds', 5);
  const n = option('n', suite.n);
  const scaled = { ...suite, n };
  const results = await runSuite(scaled, { rounds, scale: 1 });
  const checks = scaled.checks?.(results) ?? [];
  console.log(formatText(scaled, n, rounds, results, checks));
}
