// A PostgreSQL cluster of the run's own (Debian's pg_createcluster), so the outage run can stop
// and start a server without touching the shared one on 5432. Trust authentication on the
// socket and loopback; dropped (stopped first) by `drop()`.

import { execFile } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { closedPort } from '../../cli/helpers.js';

const run = promisify(execFile);

/** A cluster made for one run. */
export interface OwnCluster {
  readonly name: string;
  /** The `postgres` database as the `postgres` superuser, over 127.0.0.1. */
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  drop(): Promise<void>;
}

/** True when Debian's cluster tools are here. */
export function clusterToolsPresent(): boolean {
  return existsSync('/usr/bin/pg_createcluster') && existsSync('/usr/lib/postgresql');
}

/** Create and start a cluster `chaos<random>` on a free port. */
export async function createCluster(): Promise<OwnCluster> {
  const version = readdirSync('/usr/lib/postgresql').sort().at(-1) as string;
  const name = `chaos${Math.random().toString(36).slice(2, 10)}`;
  const port = await closedPort();
  const ctl = (action: string) =>
    run('pg_ctlcluster', ['--skip-systemctl-redirect', version, name, action]).then(() => {});
  await run('pg_createcluster', [version, name, '-p', String(port)]);
  const cluster: OwnCluster = {
    name,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => ctl('stop'),
    start: () => ctl('start'),
    drop: () =>
      run('pg_dropcluster', ['--stop', version, name]).then(
        () => {},
        () => {},
      ),
  };
  try {
    writeFileSync(
      `/etc/postgresql/${version}/${name}/pg_hba.conf`,
      [
        'local all all trust',
        'host all all 127.0.0.1/32 trust',
        'host all all ::1/128 trust',
        '',
      ].join('\n'),
    );
    await cluster.start();
  } catch (error) {
    await cluster.drop();
    throw error;
  }
  return cluster;
}
