// Runs every test file under test/ with Node's test runner.
// Node 20's `--test` neither expands globs nor picks up `.ts` files, so the list is built here.
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

const child = spawn(
  process.execPath,
  ['--expose-gc', '--import', 'tsx', '--test', '--test-concurrency=2', ...files],
  { stdio: 'inherit' },
);
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
