// The README's first command runs examples/pipeline.ts: it must keep working and keep showing
// what it claims to show.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);

test('examples/pipeline.ts shows a critical failure cancelling siblings, a timeout and a graceful stop', async () => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/pipeline.ts'], {
    timeout: 30_000,
  });
  const lines = stdout.split('\n');
  const find = (text: string): number => {
    const index = lines.findIndex((line) => line.includes(text));
    assert.notEqual(index, -1, `expected a line containing ${JSON.stringify(text)} in:\n${stdout}`);
    return index;
  };
  const cancelled = find(
    "service token cancelled: parent-failure — Critical task 'health-check' failed",
  );
  assert.ok(find('ingest: stopped after') > cancelled);
  assert.ok(find('transform: stopped after') > cancelled);
  find('(parent-failure)');
  find('scope closed: every worker has ended');
  find('slow work: Operation timed out after 100 ms (WARDEN_ERR_TIMEOUT)');
  find('fast work: fast result');
  find('reporter stopped gracefully; parent cancelled: false');
  assert.match(lines.at(-2) ?? '', /done$/);
});
