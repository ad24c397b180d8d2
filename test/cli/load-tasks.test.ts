// The `--tasks` module format: `tasks` or a default export, mapping kind → (ctx) => result or
// { run, timeout? }; everything else is a TaskModuleError that names the module and the problem.
// The modules are written to a temporary directory by each test.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { TaskModuleError } from '../../src/cli/errors.js';
import { defineKinds, loadTaskModules } from '../../src/cli/load-tasks.js';
import { TaskCoordinator } from '../../src/index.js';
import { rejectionOf, silentLogger } from '../helpers.js';
import { tempDir } from './helpers.js';

let written = 0;
function moduleWith(dir: string, source: string): string {
  written++;
  const path = join(dir, `tasks-${written}.mjs`);
  writeFileSync(path, source);
  return path;
}

test('a module exporting `tasks` gives its kinds in order, with their timeouts', async (t) => {
  const dir = tempDir(t);
  const path = moduleWith(
    dir,
    `export const tasks = { echo: (ctx) => ctx.input, slow: { run: async () => 1, timeout: 1500 } };
     export default { ignored: () => 0 };`,
  );
  const kinds = await loadTaskModules([path]);
  assert.deepEqual(
    kinds.map(({ kind, timeout, modulePath }) => ({ kind, timeout, modulePath })),
    [
      { kind: 'echo', timeout: undefined, modulePath: path },
      { kind: 'slow', timeout: 1500, modulePath: path },
    ],
  );
  const coordinator = new TaskCoordinator({ runtime: false, logger: silentLogger });
  t.after(() => coordinator.shutdown());
  defineKinds(coordinator, kinds);
  const id = await coordinator.start('echo', { hello: 'world' });
  const events = [];
  for await (const event of coordinator.subscribe(id)) events.push(event);
  assert.deepEqual(events.at(-1)?.data, { result: { hello: 'world' } });
});

test('a default export works too; paths are relative to the working directory', async (t) => {
  const dir = tempDir(t);
  const path = moduleWith(dir, 'export default { other: () => 1 };');
  const kinds = await loadTaskModules([path.slice(dir.length + 1)], dir);
  assert.deepEqual(
    kinds.map((kind) => kind.kind),
    ['other'],
  );
});

test('every malformed module is a TaskModuleError naming it and the problem', async (t) => {
  const dir = tempDir(t);
  const cases: Array<[source: string | undefined, problem: RegExp]> = [
    [undefined, /: not found$/],
    ["throw new Error('boom at load');", /: failed to load: boom at load$/],
    ['export const something = 1;', /exports no task definitions: export `tasks`/],
    ["export const tasks = 'nope';", /`tasks` must be an object .*got the string "nope"/],
    ['export default [() => 1];', /the default export must be an object .*got an array/],
    ['export const tasks = {};', /`tasks` defines no kinds$/],
    [
      'export const tasks = { a: 42 };',
      /kind 'a' must be \(ctx\) => result or \{ run, timeout \}, got number 42/,
    ],
    [
      'export const tasks = { a: { run: () => 1, retries: 3 } };',
      /kind 'a' has unknown setting\(s\) retries: only run and timeout are allowed/,
    ],
    [
      'export const tasks = { a: { timeout: 5 } };',
      /kind 'a': run must be a function, got undefined/,
    ],
    [
      'export const tasks = { a: { run: () => 1, timeout: -5 } };',
      /kind 'a': timeout must be a positive number of ms, got number -5/,
    ],
  ];
  for (const [source, problem] of cases) {
    const path = source === undefined ? join(dir, 'missing.mjs') : moduleWith(dir, source);
    const error = await rejectionOf(loadTaskModules([path]));
    assert.ok(error instanceof TaskModuleError, `${source}: ${String(error)}`);
    assert.equal(error.code, 'WARDEN_ERR_TASK_MODULE');
    assert.equal(error.modulePath, path);
    assert.ok(error.message.startsWith(`Task module ${path}: `), error.message);
    assert.match(error.message, problem);
  }
});

test('a kind defined by two modules, or one the coordinator refuses, is a TaskModuleError', async (t) => {
  const dir = tempDir(t);
  const first = moduleWith(dir, 'export const tasks = { same: () => 1 };');
  const second = moduleWith(dir, 'export const tasks = { same: () => 2 };');
  const error = await rejectionOf(loadTaskModules([first, second]));
  assert.ok(error instanceof TaskModuleError);
  assert.equal(error.modulePath, second);
  assert.match(error.message, new RegExp(`kind 'same' is already defined by ${first}$`));

  const spaced = moduleWith(dir, "export const tasks = { 'has space': () => 1 };");
  const coordinator = new TaskCoordinator({ runtime: false, logger: silentLogger });
  t.after(() => coordinator.shutdown());
  const refused = await rejectionOf(
    (async () => defineKinds(coordinator, await loadTaskModules([spaced])))(),
  );
  assert.ok(refused instanceof TaskModuleError);
  assert.match(refused.message, /kind 'has space' cannot be defined: .*without whitespace/);
});
