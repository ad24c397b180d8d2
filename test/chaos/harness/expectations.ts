// The Done-when conditions of the chaos suite as assertions on a run's figures, shared by the
// short form's tests. Each message carries the whole figure line, so a failure says how bad.

import assert from 'node:assert/strict';
import { formatOne } from './report.js';
import type { ModeResult } from './server-run.js';
import type { SigtermResult } from './sigterm.js';
import { formatWarnings } from './worker-logs.js';

/** Every job ended, and every process exited 0 on the final SIGTERM. */
function assertCompleteRun(result: ModeResult): void {
  const line = `${formatOne(result)}${formatWarnings(result.warnings)}`;
  assert.ok(result.finished, `not every job ended within the bound: ${line}`);
  assert.deepEqual(
    result.exitCodes.filter((code) => code !== 0),
    [],
    `a non-zero exit: ${line}`,
  );
}

/** No disruption: nothing lost, no job run twice, no lease lost. */
export function assertUndisturbed(result: ModeResult): void {
  const { figures } = result;
  const line = `${formatOne(result)}${formatWarnings(result.warnings)}`;
  assert.equal(figures.rerunJobs, 0, `jobs run more than once with no kill: ${line}`);
  assert.equal(figures.liveLeaseLossJobs, 0, `leases lost on live workers: ${line}`);
  assert.equal(figures.lost, 0, `jobs that never succeeded: ${line}`);
  assertCompleteRun(result);
}

/**
 * Kills (and outages): nothing lost (beyond jobs whose every attempt a kill took, when the mode
 * cannot raise maxAttempts), every re-run explained by a disruption, no lease lost on a live
 * worker; with `rescueWithinLease`, every reclaimed job ran again within 1.25 × leaseTimeout
 * of the kill; with `killsHitJobs`, at least one kill took jobs from its process.
 */
export function assertDisturbedButSound(
  result: ModeResult,
  {
    rescueWithinLease,
    allowExhausted = false,
    killsHitJobs = false,
  }: { rescueWithinLease: boolean; allowExhausted?: boolean; killsHitJobs?: boolean },
): void {
  const { figures } = result;
  const line = `${formatOne(result)}${formatWarnings(result.warnings)}`;
  assert.ok(figures.kills + figures.outages > 0, `nothing was disrupted: ${line}`);
  // Under saturated load a killed process always held jobs: a run where none was reclaimed
  // tested nothing.
  if (killsHitJobs) assert.ok(figures.rescueCount > 0, `no kill hit a job: ${line}`);
  const lost = figures.lost - (allowExhausted ? figures.exhaustedByDisruption : 0);
  assert.equal(lost, 0, `jobs lost: ${line}`);
  assert.equal(figures.unexplainedReruns, 0, `re-runs no kill or outage explains: ${line}`);
  assert.equal(figures.liveLeaseLossJobs, 0, `leases lost on live workers: ${line}`);
  assert.equal(
    figures.failedByLiveLeaseLoss,
    0,
    `jobs failed by a live worker's lease loss: ${line}`,
  );
  if (rescueWithinLease) {
    assert.equal(figures.rescueMissing, 0, `reclaimed jobs that never ran again: ${line}`);
    assert.ok(
      figures.rescueMax === null || figures.rescueMax <= figures.rescueLimit,
      `a reclaimed job ran again later than 1.25 × leaseTimeout after the kill: ${line}`,
    );
  }
  assertCompleteRun(result);
}

/** A graceful SIGTERM: exit 0, every stream ends with one final event. */
export function assertGracefulSigterm(result: SigtermResult): void {
  const line = JSON.stringify(result);
  assert.deepEqual(
    result.exits.filter((exit) => exit.code !== 0),
    [],
    `a non-zero exit: ${line}`,
  );
  assert.equal(result.duplicateFinals, 0, `streams with two final events: ${line}`);
  assert.equal(result.aborted, 0, `streams cut without an end: ${line}`);
  assert.equal(
    result.streamsOk,
    result.tasks,
    `streams whose last event is not shutdown or terminal: ${line}`,
  );
  if (result.handedBack !== undefined) {
    assert.equal(result.handedBack, result.tasks, `tasks not handed back by the worker: ${line}`);
    assert.equal(result.endedEarly, 0, `streams that ended when only the worker stopped: ${line}`);
  }
}
