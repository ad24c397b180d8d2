// A PostgreSQL restart in the middle of a run loses nothing: the test starts a throwaway cluster
// of its own (initdb + pg_ctl on a free port), runs jobs through a worker, restarts the server
// while they run, and checks that every job ends succeeded, that health went degraded during the
// outage and came back, and that a follower kept following through it.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { sleep } from '../../src/index.js';
import { PostgresBackend } from '../../src/postgres/index.js';
import { silentLogger, within } from '../helpers.js';

const run = promisify(execFile);

function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const dir = join(root, version, 'bin');
    if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A throwaway cluster: initdb, start, restart, stop. Runs as `postgres` when we are root. */
class Cluster {
  private constructor(
    private readonly _bin: string,
    private readonly _dir: string,
    readonly port: number,
  ) {}

  static async create(bin: string): Promise<Cluster> {
    const dir = mkdtempSync(join(tmpdir(), 'warden-pg-'));
    const root = process.getuid?.() === 0;
    if (root) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
    }
    const cluster = new Cluster(bin, dir, await freePort());
    await cluster._pg('initdb', [
      '-D',
      join(dir, 'data'),
      '-U',
      'root',
      '--auth=trust',
      '-E',
      'UTF8',
    ]);
    await cluster.start();
    return cluster;
  }

  get url(): string {
    return `postgres://root@127.0.0.1:${this.port}/postgres`;
  }

  start(): Promise<void> {
    return this._pg('pg_ctl', [
      '-D',
      join(this._dir, 'data'),
      '-l',
      join(this._dir, 'log'),
      '-o',
      `-p ${this.port} -k ${this._dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      '-w',
      'start',
    ]);
  }

  stop(mode: 'fast' | 'immediate'): Promise<void> {
    return this._pg('pg_ctl', ['-D', join(this._dir, 'data'), '-m', mode, '-w', 'stop']);
  }

  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => {});
    rmSync(this._dir, { recursive: true, force: true });
  }

  private async _pg(tool: string, args: string[]): Promise<void> {
    const path = join(this._bin, tool);
    if (process.getuid?.() === 0) await run('runuser', ['-u', 'postgres', '--', path, ...args]);
    else await run(path, args);
  }
}

const bin = binDir();

describe('PostgresBackend through a PostgreSQL restart', {
  skip: bin === undefined && 'no initdb/pg_ctl',
}, () => {
  test('a restart mid-run loses nothing; health is degraded meanwhile, then ok', async (t) => {
    const cluster = await Cluster.create(bin as string);
    after(() => cluster.destroy());
    const backend = new PostgresBackend({
      connectionString: cluster.url,
      concurrency: 4,
      leaseTimeout: 2_000,
      pollInterval: 200,
      maxAttempts: 50,
      backoff: { initialDelay: 50, maxDelay: 500 },
      logger: silentLogger,
      runtime: false,
    });
    const runs = new Map<string, number>();
    backend.register<number>('work', async (_payload, ctx) => {
      runs.set(ctx.id, (runs.get(ctx.id) ?? 0) + 1);
      ctx.progress(0.5);
      await sleep(40, ctx.token);
    });
    await backend.start();
    const ids: string[] = [];
    for (let i = 0; i < 80; i++) {
      ids.push((await backend.submit({ id: `job-${i}`, type: 'work', payload: i })).id);
    }
    const followed: string[] = [];
    const following = (async () => {
      for await (const event of backend.events('job-79')) followed.push(event.type);
    })();
    await within(
      (async () => {
        while (runs.size < 10) await sleep(10);
      })(),
      { what: 'the first jobs to run' },
    );
    const healths = new Set<string>();
    let watching = true;
    const watch = (async () => {
      while (watching) {
        healths.add(backend.health().status);
        await sleep(10);
      }
    })();
    await cluster.stop('fast');
    await sleep(500);
    await cluster.start();
    const deadline = Date.now() + 60_000;
    for (;;) {
      const counts = await backend.counts().catch(() => undefined);
      if (counts?.succeeded === 80) break;
      if (Date.now() > deadline)
        throw new Error(`not all jobs succeeded: ${JSON.stringify(counts)}`);
      await sleep(100);
    }
    await within(following, { timeout: 30_000, what: 'the follower to see job-79 end' });
    // Health comes back once a query and the LISTEN connection work again.
    await within(
      (async () => {
        while (backend.health().status !== 'ok') await sleep(20);
      })(),
      { timeout: 15_000, what: 'health to be ok again' },
    );
    watching = false;
    await watch;
    assert.ok(healths.has('degraded'), 'health was degraded during the outage');
    const tasks = await backend.listTasks({ limit: 100 });
    assert.equal(tasks.length, 80);
    assert.ok(tasks.every((task) => task.state === 'succeeded'));
    assert.equal(runs.size, 80, 'every job ran');
    assert.equal(followed.at(-1), 'completed');
    t.diagnostic(`re-runs after the restart: ${[...runs.values()].filter((n) => n > 1).length}`);
    const report = await backend.shutdown();
    assert.deepEqual(report.abandoned, []);
  });
});
