// The handler runs the fixture tasks logged (test/chaos/fixtures/tasks.ts): one file per process
// in a run-log directory, read back into runs after a load run. These logs are written outside
// the queue, so they say what really ran, whatever the queue's own records say.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One handler run: where, which attempt, when it started and (if it got that far) ended. */
export interface Run {
  readonly pid: number;
  readonly taskId: string;
  readonly attempt: number;
  readonly start: number;
  end?: number;
  outcome?: string;
}

/** A fresh run-log directory (the `CHAOS_RUN_LOG` of the children). */
export function makeRunLogDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'warden-chaos-log-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Remove the directory, or with CHAOS_KEEP_LOGS=1 keep it and say where it is (debugging). */
export function keepOrRemove(log: { dir: string; remove(): void }): void {
  if (process.env.CHAOS_KEEP_LOGS === '1') console.error(`chaos: run logs kept in ${log.dir}`);
  else log.remove();
}

/**
 * Every run in `dir`, in start order. A start and an end are paired by process, task and
 * attempt; a line cut short by a kill (no newline yet) is ignored.
 */
export function readRuns(dir: string): Run[] {
  const runs: Run[] = [];
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.log')) continue;
    const open = new Map<string, Run[]>();
    const text = readFileSync(join(dir, file), 'utf8');
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    for (const line of complete.split('\n')) {
      const [mark, pid, taskId, attempt, time, outcome] = line.split(' ');
      if (taskId === undefined || time === undefined) continue;
      const key = `${taskId} ${attempt}`;
      if (mark === 'S') {
        const run: Run = {
          pid: Number(pid),
          taskId,
          attempt: Number(attempt),
          start: Number(time),
        };
        runs.push(run);
        open.set(key, [...(open.get(key) ?? []), run]);
      } else if (mark === 'E') {
        const run = open.get(key)?.shift();
        if (run !== undefined) {
          run.end = Number(time);
          if (outcome !== undefined) run.outcome = outcome;
        }
      }
    }
  }
  return runs.sort((a, b) => a.start - b.start);
}

/** The runs of each task, in start order. */
export function runsByTask(runs: readonly Run[]): Map<string, Run[]> {
  const byTask = new Map<string, Run[]>();
  for (const run of runs) {
    const list = byTask.get(run.taskId);
    if (list === undefined) byTask.set(run.taskId, [run]);
    else list.push(run);
  }
  return byTask;
}
