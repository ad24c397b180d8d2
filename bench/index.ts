// `npm run bench [-- FILTER...] [--rounds=5] [--scale=1] [--markdown] [--strict]`
//
// Runs every registered suite whose name contains one of the filters (all when none), in this
// one process, and prints a table per suite. To add a suite, add one line to `suites` below:
// its module's default export is a `Suite` (see bench/lib/harness.ts).

import { cpus } from 'node:os';
import { type Check, runSuite, type Suite } from './lib/harness.js';
import { assertGcExposed } from './lib/heap.js';
import { formatMarkdown, formatText } from './lib/table.js';

interface SuiteEntry {
  readonly name: string;
  readonly load: () => Promise<{ default: Suite }>;
}

const suites: readonly SuiteEntry[] = [
  { name: 'core/spawn-join', load: () => import('./core/spawn-join.js') },
  { name: 'core/cancel-fan-out', load: () => import('./core/cancel-fan-out.js') },
  { name: 'backend/in-process', load: () => import('./backend/in-process.js') },
  { name: 'lifecycle/shutdown', load: () => import('./lifecycle/shutdown.js') },
  { name: 'coordinator/fan-out', load: () => import('./coordinator/fan-out.js') },
  { name: 'coordinator/short-tasks', load: () => import('./coordinator/short-tasks.js') },
  { name: 'postgres/queues', load: () => import('./postgres/suite.js') },
  { name: 'http/submit', load: () => import('./http/submit.js') },
  { name: 'http/sse-fan-out', load: () => import('./http/sse-fan-out.js') },
  { name: 'http/durable-sse-fan-out', load: () => import('./http/durable-sse-fan-out.js') },
  { name: 'serve/start', load: () => import('./serve/start.js') },
];

interface Args {
  filters: string[];
  rounds: number;
  scale: number;
  markdown: boolean;
  strict: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { filters: [], rounds: 5, scale: 1, markdown: false, strict: false };
  for (const arg of argv) {
    const [flag, value] = arg.split('=', 2);
    if (flag === '--rounds') args.rounds = positive(flag, value);
    else if (flag === '--scale') args.scale = positive(flag, value);
    else if (flag === '--markdown') args.markdown = true;
    else if (flag === '--strict') args.strict = true;
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else args.filters.push(arg);
  }
  return args;
}

function positive(flag: string, value: string | undefined): number {
  const number = Number(value);
  if (!(number > 0)) throw new Error(`${flag} needs a positive number, e.g. ${flag}=5`);
  return flag === '--rounds' ? Math.round(number) : number;
}

async function main(): Promise<void> {
  assertGcExposed();
  const args = parseArgs(process.argv.slice(2));
  const chosen = suites.filter(
    (entry) =>
      args.filters.length === 0 || args.filters.some((filter) => entry.name.includes(filter)),
  );
  if (chosen.length === 0) {
    throw new Error(
      `no suite matches ${args.filters.join(', ')}; suites: ${suites.map((s) => s.name).join(', ')}`,
    );
  }
  const cpu = cpus();
  console.log(
    `Warden benchmarks — node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${new Date().toISOString()}`,
  );
  const markdown: string[] = [];
  let failed = 0;
  for (const entry of chosen) {
    const suite = (await entry.load()).default;
    process.stderr.write(`running ${suite.name}…\n`);
    const results = await runSuite(suite, {
      rounds: args.rounds,
      scale: args.scale,
      onProgress: (message) => process.stderr.write(`${message}\n`),
    });
    const checks: Check[] = suite.checks?.(results) ?? [];
    failed += checks.filter((check) => !check.pass).length;
    const n = Math.max(1, Math.round(suite.n * args.scale));
    console.log(`\n${formatText(suite, n, args.rounds, results, checks)}`);
    if (args.markdown) markdown.push(formatMarkdown(suite, n, args.rounds, results, checks));
  }
  if (args.markdown) console.log(`\n${markdown.join('\n\n')}`);
  if (args.strict && failed > 0) process.exitCode = 1;
}

await main();
