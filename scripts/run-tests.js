// Runs every test file under test/ with Node's test runner.
// Node 20's `--test` neither expands globs nor picks up `.ts` files, so the list is built here.
// The chaos files (test/chaos/) run after the rest, one at a time: they time rescues and
// renewals against a one-second lease, and another test file beside them on a 2-core machine
// measures the machine instead.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const only = process.argv.slice(2);
const files =
  only.length > 0
    ? only
    : readdirSync('test', { recursive: true })
        .map(String)
        .filter((file) => file.endsWith('.test.ts'))
        .map((file) => join('test', file))
        .sort();
const chaos = only.length > 0 ? [] : files.filter((file) => file.startsWith(join('test', 'chaos')));
const rest = files.filter((file) => !chaos.includes(file));

/** Run `list` with `concurrency` files at a time; resolves with the exit code. */
function run(list, concurrency) {
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...list],
    { stdio: 'inherit' },
  );
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const first = await run(rest, 2);
const second = chaos.length > 0 ? await run(chaos, 1) : 0;
process.exitCode = first !== 0 ? first : second;
