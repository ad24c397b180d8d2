// The README's lifecycle recipe (an HTTP server, a database pool and a fail-fast worker on the
// Runtime, with shutdown hooks in phases), run exactly as the README shows it, as a real
// process: SIGTERM must stop it at once and cleanly, with its server closed. The recipe once
// awaited `once(server, 'close')` in the drain hook after an intake hook had called
// `server.close()`: with no connection open, 'close' fired during intake, before the drain hook
// listened, so the shutdown hung until the drain's budget ran out (20 s of the 25 s deadline)
// and exited 1. The bound below tells the two apart with room to spare on a loaded machine.

import assert from 'node:assert/strict';
import http from 'node:http';
import type { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { docFiles } from './doc-files.js';
import { SERVER_URL, serverAvailable } from './fresh-database.js';
import { scanMarkdown } from './markdown.js';
import { killRunningBlocks, startBlock } from './run-block.js';
import { Workspace } from './workspace.js';

/** Far below the 20 s a hung drain takes, far above what a clean stop needs. */
const PROMPT_STOP_MS = 8_000;
const WAIT_MS = 30_000;

const readme = docFiles().find((doc) => doc.path === 'README.md');
assert.ok(readme);
const recipe = scanMarkdown(readme.text).blocks.find(
  (block) => block.heading === 'The process lifecycle' && block.lang === 'ts',
);
assert.ok(recipe, "README.md has no ts block under 'The process lifecycle'");

const workspace = new Workspace();
const agent = new http.Agent({ keepAlive: true });
let postgres = false;
before(async () => {
  postgres = await serverAvailable();
});
after(() => {
  agent.destroy();
  killRunningBlocks();
  workspace.remove();
});

test('the README lifecycle recipe: SIGTERM closes its server and exits 0, promptly and clean', async (t) => {
  if (!postgres) {
    t.skip('no PostgreSQL server (set WARDEN_TEST_DATABASE_URL)');
    return;
  }
  const file = workspace.write(readme, recipe, 'ts');
  const service = startBlock(
    file,
    { PORT: '0', DATABASE_URL: SERVER_URL, WARDEN_LOG_LEVEL: 'info' },
    WAIT_MS,
  );
  const port = Number(/listening on port (\d+)/.exec(await service.firstLine)?.[1]);
  assert.ok(port > 0, `no port in the recipe's first line`);

  // A keep-alive connection left idle: the shutdown must close it rather than wait it out.
  const { body, socket } = await get(port, '/');
  assert.equal(body, 'hello from /\n');
  const socketClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));

  service.terminate();
  const exit = await service.exited;
  const output = `stdout:\n${exit.stdout}\nstderr:\n${exit.stderr}`;
  assert.equal(exit.signal, null, output);
  assert.equal(exit.code, 0, output);
  assert.ok(exit.stopMs < PROMPT_STOP_MS, `exited ${Math.round(exit.stopMs)} ms after SIGTERM`);
  await socketClosed;

  const report = shutdownReport(exit.stderr);
  assert.equal(report.outcome, 'clean', output);
  assert.deepEqual(report.reason, { kind: 'shutdown', message: 'received SIGTERM' });
  // Every hook finished in time: the drain hook saw the server's 'close', the pool ended.
  assert.deepEqual(report.failedHooks, [], output);
  assert.deepEqual(report.failedTasks, [], output);
});

/** GET `path` over the keep-alive agent; the body and the socket it came on. */
function get(port: number, path: string): Promise<{ body: string; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path, agent }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ body, socket: request.socket as Socket }));
    });
    request.on('error', reject);
    request.setTimeout(WAIT_MS, () => request.destroy(new Error('no answer')));
  });
}

/** The one `shutdown` entry the runtime logged. */
function shutdownReport(stderr: string): Record<string, unknown> {
  const reports = stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.event === 'shutdown');
  assert.equal(reports.length, 1, `expected one shutdown report in:\n${stderr}`);
  return reports[0] as Record<string, unknown>;
}
