// One load mode on a PostgreSQL server: `warden worker` processes on a fresh database (on the
// shared server, or on a cluster of the run's own when the mode stops the server), a producer in
// this process, kills and outages on schedule, then the figures.

import { setTimeout as delay } from 'node:timers/promises';
import { analyse, type Disruption, type Figures } from './analysis.js';
import { toCleanUp } from './cleanup.js';
import { createCluster, type OwnCluster } from './cluster.js';
import { createDatabase, serverSql } from './database.js';
import { Fleet } from './fleet.js';
import { makeJobs, serverSubmitter, submitSteadily } from './load.js';
import type { LoadMode } from './modes.js';
import { backlog, everyJobEnded, pollUntil, readOutcomes, stateCounts } from './outcomes.js';
import { CHAOS_TASKS, ProcessGroup } from './process-group.js';
import { keepOrRemove, makeRunLogDir, readRuns } from './run-log.js';
import { warningsOf } from './worker-logs.js';

const SCHEMA = 'chaos';

/** The figures of a run, and what else the report shows. */
export interface ModeResult {
  readonly mode: LoadMode;
  readonly figures: Figures;
  /** Every job ended within the bound. */
  readonly finished: boolean;
  /** Exit codes of the final SIGTERM of each process (0 expected). */
  readonly exitCodes: ReadonlyArray<number | null>;
  /** The largest backlog (queued jobs) seen right after a kill (NaN: not measured). */
  readonly maxBacklogAtKill: number;
  /** The longest time from a kill to its replacement's ready line. */
  readonly maxDowntimeMs: number;
  readonly wallMs: number;
  /** What the processes logged at warn or above, folded by message. */
  readonly warnings: readonly string[];
}

/** How long the jobs may take to all end after the last submission. */
export function endBound(mode: LoadMode): number {
  return 60_000 + mode.jobs * 5 + (mode.killEveryMs === undefined ? 0 : 3 * mode.leaseMs);
}

/** Run `mode` (engine `server`); everything it started is gone when this settles. */
export async function runServerMode(mode: LoadMode): Promise<ModeResult> {
  const wallStart = Date.now();
  const undo: Array<() => Promise<void>> = [];
  try {
    const log = makeRunLogDir();
    undo.push(toCleanUp(() => keepOrRemove(log)));
    let cluster: OwnCluster | undefined;
    if (mode.outage !== undefined) {
      const own = await createCluster();
      undo.push(toCleanUp(own.drop));
      cluster = own;
    }
    const database = await createDatabase(cluster?.url);
    undo.push(toCleanUp(database.drop));
    const sql = serverSql(database.url);
    undo.push(toCleanUp(sql.close));
    const submitter = await serverSubmitter(database.url, SCHEMA, mode.maxAttempts);
    undo.push(toCleanUp(submitter.close));
    const group = new ProcessGroup({ CHAOS_RUN_LOG: log.dir });
    undo.push(toCleanUp(() => group.killAll()));
    const url = database.url;
    const fleet = new Fleet({
      count: mode.workers,
      ready: /"event":"ready"/,
      spawn: () =>
        group.start([
          'worker',
          '--database',
          url,
          '--schema',
          SCHEMA,
          '--tasks',
          CHAOS_TASKS,
          '--concurrency',
          String(mode.concurrency),
          '--lease-timeout',
          String(mode.leaseMs),
          '--json',
        ]),
    });
    const jobs = makeJobs('c', mode.jobs);
    const started = Date.now();
    if (mode.backlogFirst === true) await submitter.submit(jobs);
    await fleet.start();
    const disruptions: Disruption[] = [];
    let maxBacklogAtKill = 0;
    if (mode.killEveryMs !== undefined) {
      fleet.killEvery(mode.killEveryMs, {
        onKill: (kill) => {
          disruptions.push({ kind: 'kill', ...kill });
          void backlog(sql, SCHEMA).then(
            (n) => {
              maxBacklogAtKill = Math.max(maxBacklogAtKill, n);
            },
            () => {},
          );
        },
      });
    }
    const outage =
      cluster !== undefined && mode.outage !== undefined
        ? stopAndStart(cluster, mode.outage, disruptions)
        : Promise.resolve();
    if (mode.backlogFirst === true) {
      // Submitted already.
    } else if (mode.shape === 'saturated') await submitter.submit(jobs);
    else await submitSteadily(submitter, jobs, mode.rate ?? 100);
    await outage;
    const finished = await pollUntil(
      async () => everyJobEnded(await stateCounts(sql, SCHEMA), jobs.length),
      endBound(mode),
    );
    const elapsedMs = Date.now() - started;
    const exits = await fleet.stop();
    const figures = analyse({
      submitted: jobs.map((job) => job.id),
      runs: readRuns(log.dir),
      outcomes: await readOutcomes(sql, SCHEMA),
      disruptions,
      leaseMs: mode.leaseMs,
      elapsedMs,
    });
    return {
      mode,
      figures,
      finished,
      exitCodes: exits.map((exit) => exit.code),
      maxBacklogAtKill,
      maxDowntimeMs: maxDowntime(fleet),
      warnings: warningsOf(fleet.launched),
      wallMs: Date.now() - wallStart,
    };
  } finally {
    // Newest first: the processes, then the producer and the database, then the cluster.
    for (const step of undo.reverse()) await step();
  }
}

/** The longest a killed member's slot was empty (0 without kills). */
export function maxDowntime(fleet: Fleet): number {
  return Math.max(0, ...fleet.kills.map((kill) => (kill.back ?? Date.now()) - kill.at));
}

/** The outage: stop the cluster `afterMs` into the run, start it again `forMs` later. */
async function stopAndStart(
  cluster: OwnCluster,
  { afterMs, forMs }: { afterMs: number; forMs: number },
  disruptions: Disruption[],
): Promise<void> {
  await delay(afterMs);
  const from = Date.now();
  await cluster.stop();
  // The outage's length is the scenario, not a wait for something to settle.
  await delay(forMs);
  await cluster.start();
  disruptions.push({ kind: 'outage', from, to: Date.now() });
}
