// PGlite on a data directory is durable with no server: jobs submitted before a shutdown are
// still there (and run) when a new backend opens the same directory.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PostgresBackend } from '../../src/postgres/index.js';
import { deferred, silentLogger, within } from '../helpers.js';

const run = promisify(execFile);
const FRESH_DATA_DIR = fileURLToPath(
  new URL('../fixtures/postgres/fresh-data-dir.ts', import.meta.url),
);

describe('PostgresBackend on a PGlite data directory', () => {
  test('jobs survive a restart of the process-embedded database', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'warden-pglite-'));
    after(() => rmSync(dataDir, { recursive: true, force: true }));
    const first = new PostgresBackend({
      pglite: { dataDir },
      concurrency: 0,
      types: { later: {} },
      logger: silentLogger,
      runtime: false,
    });
    await first.start();
    const { id } = await first.submit({ type: 'later', payload: { keep: true } });
    await first.shutdown();
    const second = new PostgresBackend({
      pglite: { dataDir },
      logger: silentLogger,
      runtime: false,
    });
    const ran = deferred<unknown>();
    second.register('later', (payload, ctx) => ran.resolve({ payload, id: ctx.id }));
    await second.start();
    assert.deepEqual(await within(ran.promise, { timeout: 30_000 }), {
      payload: { keep: true },
      id,
    });
    await second.shutdown();
  });

  test('a fresh data directory is created without keeping initdb’s memory, with small buffers', async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'warden-pglite-'));
    t.after(() => rmSync(dataDir, { recursive: true, force: true }));
    // A process of its own: this one has other PGlite instances' memory mapped already. Then
    // another on the directory it made, to compare with: initdb in the process kept about
    // 700 MB more than opening an existing directory does.
    const rssOf = async (): Promise<number> => {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', FRESH_DATA_DIR, dataDir]);
      return Number(stdout.trim());
    };
    const fresh = await rssOf();
    assert.ok(existsSync(join(dataDir, 'PG_VERSION')));
    const existing = await rssOf();
    // On Node 24, V8 keeps the WebAssembly module's code of both tiers a while: a fresh start
    // holds 430-540 MB there (250-290 MB on Node 20 and 22), an existing directory's 260-380.
    assert.ok(fresh > 0 && fresh < 800, `resident memory after a fresh start: ${fresh} MB`);
    assert.ok(
      fresh < existing + 450,
      `a fresh start holds ${fresh} MB, an existing directory's ${existing} MB`,
    );
  });
});
