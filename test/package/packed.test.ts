// The package as a user gets it: built, packed with `npm pack`, installed into a new project
// that has neither `pg` nor `@types/pg` (only PGlite, for `warden serve`). A strict TypeScript
// program that imports every entry point compiles against the installed types, with the
// libraries' own types checked too (no skipLibCheck); `warden serve` runs from the installed
// package with plain Node (no TypeScript loader), listens, and exits 0 on SIGTERM.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { within } from '../helpers.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(REPO, 'node_modules/typescript/bin/tsc');
const work = mkdtempSync(join(tmpdir(), 'warden-packed-'));
const project = join(work, 'project');

/** The version range of one of this repository's dev dependencies. */
function devDependency(name: string): string {
  const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  return manifest.devDependencies[name] as string;
}

/** `npm …` in `cwd`; rejects with its output when it fails. */
async function npm(args: readonly string[], cwd: string): Promise<string> {
  const { stdout } = await run('npm', [...args], { cwd, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

describe('the packed package', { timeout: 240_000 }, () => {
  before(async () => {
    // Build into a staging copy of the package, so the repository's own dist/ is not touched.
    const staging = join(work, 'staging');
    await run(
      process.execPath,
      [TSC, '-p', 'tsconfig.build.json', '--outDir', join(staging, 'dist')],
      {
        cwd: REPO,
      },
    );
    await run(process.execPath, ['scripts/copy-assets.js', join(staging, 'dist')], { cwd: REPO });
    for (const file of ['package.json', 'README.md', 'LICENSE']) {
      cpSync(join(REPO, file), join(staging, file));
    }
    await npm(['pack', '--pack-destination', work, '--silent'], staging);
    const tarball = readdirSync(work).find((file) => file.endsWith('.tgz'));
    assert.ok(tarball, 'npm pack made a tarball');
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'uses-warden', private: true, type: 'module' }),
    );
    await npm(
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        '--loglevel=error',
        join(work, tarball),
        // The versions this repository tests with (already in npm's cache after `npm ci`).
        `@electric-sql/pglite@${devDependency('@electric-sql/pglite')}`,
        `@types/node@${devDependency('@types/node')}`,
      ],
      project,
    );
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  test('ships its licence and no source map that points at a file it lacks', () => {
    const installed = join(project, 'node_modules/warden');
    const files = readdirSync(installed, { recursive: true }).map(String);
    assert.ok(files.includes('LICENSE'));
    assert.ok(!files.some((file) => file.startsWith('src/')), 'no src/ beside dist/');
    const map = JSON.parse(readFileSync(join(installed, 'dist/src/index.js.map'), 'utf8')) as {
      sourcesContent?: unknown[];
    };
    assert.ok(Array.isArray(map.sourcesContent) && map.sourcesContent.length > 0);
  });

  test('a strict program using every entry point compiles without pg or @types/pg', async () => {
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          lib: ['es2023', 'esnext.disposable'],
          types: ['node'],
          noEmit: true,
          skipLibCheck: false,
          exactOptionalPropertyTypes: true,
        },
        include: ['main.ts'],
      }),
    );
    writeFileSync(
      join(project, 'main.ts'),
      `import { CancelToken, Scope, TaskCoordinator, WardenError } from 'warden';
import { PostgresBackend, type PostgresBackendOptions } from 'warden/postgres';
import { BadRequestError, createWardenHandler } from 'warden/http';

const token = new CancelToken();
const scope = new Scope({ token });
const options: PostgresBackendOptions = { pglite: { dataDir: './data' }, concurrency: 2 };
const backend = new PostgresBackend(options);
const coordinator = new TaskCoordinator({ backend });
coordinator.define<{ n: number }>('double', (ctx) => ctx.input.n * 2);
const handler = createWardenHandler(coordinator);
const bad: WardenError = new BadRequestError('a test');
export { bad, handler, scope };
`,
    );
    await run(process.execPath, [TSC, '-p', project], { cwd: project }).catch((error: unknown) => {
      const { stdout } = error as { stdout?: string };
      throw new Error(`tsc failed:\n${stdout ?? String(error)}`);
    });
  });

  test('warden serve runs from the installed package with plain Node, and stops on SIGTERM', async () => {
    writeFileSync(join(project, 'tasks.js'), 'export const tasks = { noop: async () => null };\n');
    const child = spawn(
      join(project, 'node_modules/.bin/warden'),
      ['serve', '--data-dir', join(work, 'data'), '--port', '0', '--tasks', 'tasks.js', '--json'],
      { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const lines = createInterface({ input: child.stdout });
    const listening = new Promise<void>((resolve, reject) => {
      lines.on('line', (line) => {
        if (/"event":"listening"/.test(line)) resolve();
      });
      void exited.then(() => reject(new Error(`warden serve exited before listening:\n${stderr}`)));
    });
    await within(listening, { timeout: 60_000, what: 'warden serve to listen' });
    child.kill('SIGTERM');
    const [code] = await within(exited, { timeout: 30_000, what: 'warden serve to exit' });
    assert.equal(code, 0, stderr);
  });
});
