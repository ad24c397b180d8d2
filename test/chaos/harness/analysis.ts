// The figures of a chaos run, from what really ran (the run logs), what the queue recorded (each
// job's state and error history) and what the harness did to it (kills, database outages).
//
// A re-run (a start of a job after an earlier start of it) is explained only when the earlier
// run's process was disrupted while it held that job:
// - killed: the kill came after the earlier run started and before the re-run did, and the
//   earlier run had not ended, or ended so shortly before the kill (COMMIT_SLACK_MS) that its
//   outcome may not have been written yet;
// - cut off by an outage of the database: the earlier run had not ended COMMIT_SLACK_MS before
//   the outage began, and the re-run came after it began (the docs allow re-runs after a
//   database outage longer than the lease).
// Anything else is a job run twice with no excuse. A `LeaseLostError` in a job's history names
// the worker (`host:pid:random`); it is explained by a kill of that pid before the sweep, or by
// an outage; otherwise a live worker lost the lease.

import type { JobOutcome } from './outcomes.js';
import type { Run } from './run-log.js';
import { runsByTask } from './run-log.js';

/** How long after a handler's end its outcome may still be unwritten, on a loaded machine. */
export const COMMIT_SLACK_MS = 1_000;

/** What the harness did to the run. */
export type Disruption =
  | { readonly kind: 'kill'; readonly pid: number; readonly at: number }
  | { readonly kind: 'outage'; readonly from: number; readonly to: number };

/** What the analysis needs. */
export interface RunRecord {
  readonly submitted: readonly string[];
  readonly runs: readonly Run[];
  readonly outcomes: ReadonlyMap<string, JobOutcome>;
  readonly disruptions: readonly Disruption[];
  readonly leaseMs: number;
  /** From the first submission to the moment every job had ended (or the wait gave up). */
  readonly elapsedMs: number;
}

/** The figures of one run. */
export interface Figures {
  submitted: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  /** Never succeeded. */
  lost: number;
  /** Of the lost: failed with every attempt lost to a disruption (allowed by maxAttempts). */
  exhaustedByDisruption: number;
  /** Jobs whose handler started more than once. */
  rerunJobs: number;
  /** Starts after a job's first. */
  reruns: number;
  /** Re-runs no disruption explains. */
  unexplainedReruns: number;
  /** Jobs whose history holds a LeaseLostError of a worker that was not disrupted. */
  liveLeaseLossJobs: number;
  /** Of those, jobs that ended failed. */
  failedByLiveLeaseLoss: number;
  /** From a kill to the re-run's start, for the jobs the killed worker held (ms). */
  rescueCount: number;
  rescueP50: number | null;
  rescueMax: number | null;
  /** Reclaimed jobs that never ran again. */
  rescueMissing: number;
  rescueLimit: number;
  kills: number;
  outages: number;
  throughput: number;
  elapsedMs: number;
  /** A few unexplained re-runs, for the report. */
  examples: string[];
}

/** Compute the {@link Figures}; see the file comment. */
export function analyse(record: RunRecord): Figures {
  const byTask = runsByTask(record.runs);
  const kills = record.disruptions.filter((d) => d.kind === 'kill');
  const outages = record.disruptions.filter((d) => d.kind === 'outage');
  const figures: Figures = {
    submitted: record.submitted.length,
    succeeded: 0,
    failed: 0,
    cancelled: 0,
    lost: 0,
    exhaustedByDisruption: 0,
    rerunJobs: 0,
    reruns: 0,
    unexplainedReruns: 0,
    liveLeaseLossJobs: 0,
    failedByLiveLeaseLoss: 0,
    rescueCount: 0,
    rescueP50: null,
    rescueMax: null,
    rescueMissing: 0,
    rescueLimit: 1.25 * record.leaseMs,
    kills: kills.length,
    outages: outages.length,
    throughput: 0,
    elapsedMs: record.elapsedMs,
    examples: [],
  };
  const rescues: number[] = [];
  for (const id of record.submitted) {
    const outcome = record.outcomes.get(id);
    const runs = byTask.get(id) ?? [];
    if (outcome?.state === 'succeeded') figures.succeeded++;
    else {
      figures.lost++;
      if (outcome?.state === 'failed') figures.failed++;
      if (outcome?.state === 'cancelled') figures.cancelled++;
    }
    if (runs.length > 1) figures.rerunJobs++;
    for (let i = 1; i < runs.length; i++) {
      figures.reruns++;
      const earlier = runs[i - 1] as Run;
      const later = runs[i] as Run;
      const cause = explainingDisruption(earlier, later, record.disruptions);
      if (cause === undefined) {
        figures.unexplainedReruns++;
        if (figures.examples.length < 5) figures.examples.push(describeRerun(earlier, later));
      } else if (cause.kind === 'kill') {
        // A job the killed process held, run again: how long it took from the kill.
        rescues.push(later.start - cause.at);
      }
    }
    let liveLoss = false;
    let allLostToDisruption = outcome !== undefined && outcome.errors.length > 0;
    for (const error of outcome?.errors ?? []) {
      if (error.name !== 'LeaseLostError') {
        allLostToDisruption = false;
        continue;
      }
      const pid = workerPid(error.message);
      const kill = kills
        .filter((k) => k.pid === pid && k.at <= error.at)
        .sort((a, b) => b.at - a.at)[0];
      const outage = outages.some(
        (o) => error.at >= o.from && error.at <= o.to + 2 * record.leaseMs + COMMIT_SLACK_MS,
      );
      if (kill === undefined && !outage) {
        liveLoss = true;
        allLostToDisruption = false;
        continue;
      }
      if (kill !== undefined) {
        const rerun = runs.find((run) => run.start >= kill.at && run.attempt > error.attempt);
        if (rerun === undefined && outcome?.state !== 'failed' && outcome?.state !== 'cancelled') {
          figures.rescueMissing++;
        }
      }
    }
    if (liveLoss) {
      figures.liveLeaseLossJobs++;
      if (outcome?.state === 'failed') figures.failedByLiveLeaseLoss++;
    }
    if (outcome?.state === 'failed' && allLostToDisruption) figures.exhaustedByDisruption++;
  }
  rescues.sort((a, b) => a - b);
  figures.rescueCount = rescues.length;
  figures.rescueP50 =
    rescues.length === 0 ? null : (rescues[Math.floor(rescues.length / 2)] ?? null);
  figures.rescueMax = rescues.at(-1) ?? null;
  figures.throughput = record.elapsedMs > 0 ? (figures.succeeded * 1000) / record.elapsedMs : 0;
  return figures;
}

/** Whether a disruption explains `later` re-running what `earlier` ran (see the file comment). */
/** The kill or outage that explains `later` running again after `earlier`, if any. */
function explainingDisruption(
  earlier: Run,
  later: Run,
  disruptions: readonly Disruption[],
): Disruption | undefined {
  return disruptions.find((d) => {
    if (d.kind === 'kill') {
      return (
        d.pid === earlier.pid &&
        earlier.start <= d.at &&
        d.at <= later.start &&
        (earlier.end === undefined || earlier.end >= d.at - COMMIT_SLACK_MS)
      );
    }
    return (
      earlier.start <= d.to &&
      later.start >= d.from &&
      (earlier.end === undefined || earlier.end >= d.from - COMMIT_SLACK_MS)
    );
  });
}

/** The pid in a LeaseLostError's message (`worker host:pid:random stopped renewing…`). */
function workerPid(message: string | undefined): number | undefined {
  const match = /worker \S*:(\d+):[0-9a-f]+ /.exec(message ?? '');
  return match === null ? undefined : Number(match[1]);
}

function describeRerun(earlier: Run, later: Run): string {
  const ended =
    earlier.end === undefined ? 'no end' : `ended ${earlier.end - earlier.start} ms later`;
  return `${earlier.taskId}: attempt ${earlier.attempt} on pid ${earlier.pid} (${ended}), then attempt ${later.attempt} on pid ${later.pid} ${later.start - earlier.start} ms after the first start`;
}
