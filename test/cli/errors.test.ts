// Expected failures of the real `warden` process: exit code 2 for a bad command line, 1 for a
// task module that cannot be loaded, a database that cannot be reached (promptly, not after
// retries) and a server that cannot be reached; one line each, never a stack trace.

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { closedPort, freshDatabase, runWarden, serverAvailable, tempDir } from './helpers.js';

const server = await serverAvailable();

const NO_STACK = /\n\s+at /;

test('bad flags and an unknown command exit 2 with the message and a short usage', async () => {
  const [unknown, badPort, badFlag] = await Promise.all([
    runWarden(['frob']),
    runWarden(['serve', '--port', 'nope']),
    runWarden(['ls', '--bogus']),
  ]);
  assert.equal(unknown.code, 2);
  assert.equal(
    unknown.stderr,
    "warden: unknown command 'frob'\nUsage: warden <command> [flags]\nRun 'warden help' for the commands.\n",
  );
  assert.equal(badPort.code, 2);
  assert.match(
    badPort.stderr,
    /^warden serve: --port must be an integer from 0 to 65535, got 'nope'\nUsage: warden serve \[flags\]\n/,
  );
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /^warden ls: unknown flag --bogus\n/);
  for (const run of [unknown, badPort, badFlag]) assert.equal(run.stdout, '');
});

test('a missing tasks module exits 1 with WARDEN_ERR_TASK_MODULE, before touching the database', async (t) => {
  const dir = tempDir(t);
  const run = await runWarden([
    'serve',
    '--data-dir',
    join(dir, 'data'),
    '--tasks',
    'test/cli/fixtures/no-such-module.ts',
  ]);
  assert.equal(run.code, 1, run.stderr);
  assert.match(
    run.stderr,
    /^warden serve: WARDEN_ERR_TASK_MODULE: Task module \/.*\/test\/cli\/fixtures\/no-such-module\.ts: not found\n$/,
  );
  const worker = await runWarden([
    'worker',
    '--database',
    'postgres://127.0.0.1:1/x',
    '--tasks',
    join(dir, 'nope.mjs'),
  ]);
  assert.equal(worker.code, 1);
  assert.match(worker.stderr, /WARDEN_ERR_TASK_MODULE: .*nope\.mjs: not found/);
});

test('an unreachable database exits 1 quickly with the backend message', async () => {
  const database = 'postgres://127.0.0.1:1/x';
  const runs = await Promise.all([
    runWarden(['serve', '--database', database, '--port', '0', '--tasks', 'examples/tasks.ts']),
    runWarden(['worker', '--tasks', 'examples/tasks.ts'], {
      env: { WARDEN_DATABASE_URL: database },
    }),
    runWarden(['migrate', '--database', database]),
  ]);
  for (const [i, run] of runs.entries()) {
    const command = ['serve', 'worker', 'migrate'][i];
    assert.equal(run.code, 1, `${command}: ${run.stderr}`);
    assert.match(
      run.stderr,
      new RegExp(
        `^warden ${command}: WARDEN_ERR_DATABASE_UNAVAILABLE: Backend '(warden|migrate)' could not migrate schema 'warden': the database is unavailable: connect ECONNREFUSED 127\\.0\\.0\\.1:1\\n$`,
      ),
    );
    assert.ok(run.durationMs < 15_000, `${command} took ${run.durationMs} ms`);
  }
});

test('a port in use: serve exits 1 with the listen error, after closing what it opened', {
  skip: !server && 'no PostgreSQL server',
}, async (t) => {
  const database = await freshDatabase(t);
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => taken.close(() => resolve())));
  const { port } = taken.address() as { port: number };
  const run = await runWarden([
    'serve',
    '--database',
    database,
    '--port',
    String(port),
    '--tasks',
    'examples/tasks.ts',
  ]);
  assert.equal(run.code, 1, run.stderr);
  // The last line: the backend, shut down right after its start, may log on its way out.
  assert.match(
    run.stderr,
    new RegExp(
      `(^|\\n)warden serve: EADDRINUSE: listen EADDRINUSE: address already in use 127\\.0\\.0\\.1:${port}\\n$`,
    ),
  );
  assert.doesNotMatch(run.stderr, /^warden serve: .*\n\s+at /m, 'no stack trace in the report');
});

test('a client command against a closed port exits 1 with WARDEN_ERR_SERVER_UNREACHABLE', async () => {
  const url = `http://127.0.0.1:${await closedPort()}`;
  const [ls, events] = await Promise.all([
    runWarden(['ls', '--url', url]),
    runWarden(['events', 'some-task', '--json'], { env: { WARDEN_URL: url } }),
  ]);
  assert.equal(ls.code, 1);
  assert.match(
    ls.stderr,
    new RegExp(
      `^warden ls: WARDEN_ERR_SERVER_UNREACHABLE: Cannot reach the Warden server at ${url}: connect ECONNREFUSED`,
    ),
  );
  assert.equal(events.code, 1);
  const error = JSON.parse(events.stderr) as { error: { code: string } };
  assert.equal(error.error.code, 'WARDEN_ERR_SERVER_UNREACHABLE');
  for (const run of [ls, events]) assert.doesNotMatch(run.stderr, NO_STACK);
});

test('help and --version exit 0', async () => {
  const [help, version] = await Promise.all([runWarden(['help']), runWarden(['--version'])]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: warden <command> \[flags\]/);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^warden \d+\.\d+\.\d+\n$/);
});
