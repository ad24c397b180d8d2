// One load mode on PGlite: a lone `warden serve --data-dir` (PGlite is one connection in one
// process), loaded over its HTTP API; its chaos is a SIGKILL of the whole server and a restart
// on the same data directory and port. The figures come from the data directory, opened here
// once the server has stopped.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort } from '../../cli/helpers.js';
import { analyse, type Disruption } from './analysis.js';
import { toCleanUp } from './cleanup.js';
import { pgliteSql } from './database.js';
import { Fleet } from './fleet.js';
import { httpSubmitter, makeJobs, submitSteadily } from './load.js';
import type { LoadMode } from './modes.js';
import { pollUntil, readOutcomes } from './outcomes.js';
import { CHAOS_TASKS, ProcessGroup } from './process-group.js';
import { keepOrRemove, makeRunLogDir, readRuns } from './run-log.js';
import { endBound, type ModeResult, maxDowntime } from './server-run.js';
import { warningsOf } from './worker-logs.js';

/** True when the server holds no queued or running task (one page of one task tells). */
async function nothingLeft(url: string): Promise<boolean> {
  const response = await fetch(`${url}/tasks?status=queued,running&limit=1`);
  if (response.status !== 200) return false;
  const { tasks } = (await response.json()) as { tasks: unknown[] };
  return tasks.length === 0;
}

/** Run `mode` (engine `pglite`); everything it started is gone when this settles. */
export async function runPgliteMode(mode: LoadMode): Promise<ModeResult> {
  const wallStart = Date.now();
  const undo: Array<() => Promise<void>> = [];
  try {
    const log = makeRunLogDir();
    undo.push(toCleanUp(() => keepOrRemove(log)));
    const dataDir = mkdtempSync(join(tmpdir(), 'warden-chaos-pglite-'));
    undo.push(toCleanUp(() => rmSync(dataDir, { recursive: true, force: true })));
    const group = new ProcessGroup({ CHAOS_RUN_LOG: log.dir });
    undo.push(toCleanUp(() => group.killAll()));
    // One port for every restart, so the producer finds the server again.
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}`;
    const fleet = new Fleet({
      count: 1,
      ready: /"event":"listening"/,
      spawn: () =>
        group.start([
          'serve',
          '--data-dir',
          dataDir,
          '--tasks',
          CHAOS_TASKS,
          '--port',
          String(port),
          '--concurrency',
          String(mode.concurrency),
          '--lease-timeout',
          String(mode.leaseMs),
          '--json',
        ]),
    });
    await fleet.start();
    const jobs = makeJobs('p', mode.jobs);
    const disruptions: Disruption[] = [];
    const started = Date.now();
    if (mode.killEveryMs !== undefined) {
      fleet.killEvery(mode.killEveryMs, {
        fromReady: true,
        onKill: (kill) => disruptions.push({ kind: 'kill', ...kill }),
      });
    }
    const submitter = httpSubmitter(url);
    if (mode.shape === 'saturated') await submitter.submit(jobs);
    else await submitSteadily(submitter, jobs, mode.rate ?? 100);
    const finished = await pollUntil(() => nothingLeft(url), endBound(mode));
    const elapsedMs = Date.now() - started;
    const exits = await fleet.stop();
    const sql = await pgliteSql(dataDir);
    try {
      const figures = analyse({
        submitted: jobs.map((job) => job.id),
        runs: readRuns(log.dir),
        outcomes: await readOutcomes(sql, 'warden'),
        disruptions,
        leaseMs: mode.leaseMs,
        elapsedMs,
      });
      return {
        mode,
        figures,
        finished,
        exitCodes: exits.map((exit) => exit.code),
        maxBacklogAtKill: Number.NaN,
        maxDowntimeMs: maxDowntime(fleet),
        warnings: warningsOf(fleet.launched),
        wallMs: Date.now() - wallStart,
      };
    } finally {
      await sql.close();
    }
  } finally {
    for (const step of undo.reverse()) await step();
  }
}
