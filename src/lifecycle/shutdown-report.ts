/**
 * The account a {@link Runtime} gives at the end of its shutdown: what did not finish, which
 * hooks failed or hung, and with what exit code the process should leave.
 *
 * @module
 */

import { fileURLToPath } from 'node:url';
import type { CancelReason } from '../cancel/cancel-reason.js';
import type { Logger } from '../observe/logger.js';
import type { Task } from '../task/task.js';

/** A phase of a runtime shutdown that hooks can join; see {@link Runtime.onShutdown}. */
export type ShutdownPhase = 'intake' | 'drain' | 'close';

/**
 * How a shutdown ended:
 * - `clean`: every task and every hook finished inside the deadline and no hook threw (exit 0);
 * - `incomplete`: a task was still running when the drain's budget ran out, or a hook hung or
 *   threw (exit 1);
 * - `fatal`: a fatal failure started the shutdown or happened during it (exit 1).
 */
export type ShutdownOutcome = 'clean' | 'incomplete' | 'fatal';

/** Where a fatal failure came from. */
export type FatalSource =
  | 'task'
  | 'function'
  | 'uncaughtException'
  | 'unhandledRejection'
  | 'manual';

/** A fatal failure, as recorded by {@link Runtime.fatal}. */
export interface FatalFailure {
  /** Where it came from. */
  readonly source: FatalSource;
  /** The task or function name, when there is one. */
  readonly name?: string;
  /** The failure. */
  readonly error: Error;
}

/** A task that was still running when the drain phase's budget ran out. Plain data. */
export interface UnfinishedTask {
  /** The task's id. */
  readonly id: number;
  /** The task's name. */
  readonly name: string;
  /** Milliseconds since it was spawned, at the moment it was found unfinished. */
  readonly ageMs: number;
  /** The first frames of the stack where it was spawned, when spawn sites are recorded. */
  readonly spawnSite?: string;
}

/** A root-scope task that failed (not by cancellation) while the runtime was draining. */
export interface FailedTask {
  /** The task's id. */
  readonly id: number;
  /** The task's name. */
  readonly name: string;
  /** What it failed with. */
  readonly error: Error;
}

/** How one shutdown hook ended. */
export interface ShutdownHookResult {
  /** The name given to `onShutdown`. */
  readonly name: string;
  /** Its phase. */
  readonly phase: ShutdownPhase;
  /** `ok`, `failed` (threw or rejected) or `hung` (still running when its phase's budget ran out). */
  readonly status: 'ok' | 'failed' | 'hung';
  /** How long it ran, or how long it was waited for when it hung. */
  readonly durationMs: number;
  /** What it threw, for `failed`. */
  readonly error?: Error;
}

/**
 * The result of {@link Runtime.shutdown}. It holds only plain data and errors, never task
 * objects, so keeping a report keeps no task alive. The same content is logged as one entry
 * with `event: 'shutdown'`.
 *
 * @example
 * ```ts
 * const report = await runtime.shutdown();
 * for (const task of report.unfinishedTasks) console.error(task.name, task.ageMs, task.spawnSite);
 * ```
 */
export interface ShutdownReport {
  /** The runtime's name. */
  readonly runtime: string;
  /** How it ended. */
  readonly outcome: ShutdownOutcome;
  /** The exit code the process should leave with: 0 for `clean`, else 1. */
  readonly exitCode: 0 | 1;
  /** Why the runtime shut down (the reason its tasks were cancelled with). */
  readonly reason: CancelReason;
  /** `Date.now()` when the shutdown began. */
  readonly startedAt: number;
  /** Milliseconds from the start of the shutdown to the report. */
  readonly durationMs: number;
  /** The deadline that bounded it. */
  readonly deadlineMs: number;
  /** Tasks still running when the drain phase ended, oldest first, at most `maxReportedTasks`. */
  readonly unfinishedTasks: readonly UnfinishedTask[];
  /** How many tasks were unfinished in all (can exceed `unfinishedTasks.length`). */
  readonly unfinishedTaskCount: number;
  /** Root-scope tasks that failed while draining (already logged when they failed). */
  readonly failedTasks: readonly FailedTask[];
  /** Every hook that ran, in phase order. */
  readonly hooks: readonly ShutdownHookResult[];
  /** The fatal failure that started (or happened during) the shutdown, if any. */
  readonly fatal?: FatalFailure;
}

const LIFECYCLE_DIR = fileURLToPath(new URL('.', import.meta.url));
const SPAWN_SITE_FRAMES = 5;

/** @internal Plain data for a task still running. Drops the runtime's own frames. */
export function describeUnfinished(task: Task<unknown>, at: number): UnfinishedTask {
  const base = {
    id: task.id,
    name: task.name,
    ageMs: Math.max(0, Math.round(at - task.startedAt)),
  };
  const site = task.spawnSite;
  if (site === undefined) return base;
  const frames = site.split('\n').map((line) => line.trim());
  let first = 0;
  while (first < frames.length - 1 && (frames[first] as string).includes(LIFECYCLE_DIR)) first++;
  return { ...base, spawnSite: frames.slice(first, first + SPAWN_SITE_FRAMES).join('\n') };
}

/** The outcome and exit code that follow from what happened. */
function outcomeOf(
  fatal: FatalFailure | undefined,
  unfinishedTaskCount: number,
  hooks: readonly ShutdownHookResult[],
): { outcome: ShutdownOutcome; exitCode: 0 | 1 } {
  if (fatal !== undefined) return { outcome: 'fatal', exitCode: 1 };
  if (unfinishedTaskCount > 0 || hooks.some((hook) => hook.status !== 'ok')) {
    return { outcome: 'incomplete', exitCode: 1 };
  }
  return { outcome: 'clean', exitCode: 0 };
}

/** @internal Everything a report is built from. */
export interface ReportInput {
  readonly runtime: string;
  readonly reason: CancelReason;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly deadlineMs: number;
  readonly results: {
    readonly hooks: ShutdownHookResult[];
    readonly unfinishedTasks: UnfinishedTask[];
    readonly unfinishedTaskCount: number;
  };
  readonly failedTasks: readonly FailedTask[];
  readonly fatal: FatalFailure | undefined;
}

/** @internal Assemble the report, with the outcome and exit code that follow from it. */
export function buildReport(input: ReportInput): ShutdownReport {
  const { results, fatal } = input;
  const { outcome, exitCode } = outcomeOf(fatal, results.unfinishedTaskCount, results.hooks);
  return {
    runtime: input.runtime,
    outcome,
    exitCode,
    reason: input.reason,
    startedAt: input.startedAt,
    durationMs: input.durationMs,
    deadlineMs: input.deadlineMs,
    unfinishedTasks: results.unfinishedTasks,
    unfinishedTaskCount: results.unfinishedTaskCount,
    failedTasks: input.failedTasks,
    hooks: results.hooks,
    ...(fatal === undefined ? {} : { fatal }),
  };
}

/**
 * @internal Write the report as one structured entry: `info` when clean, `warn` when incomplete,
 * `error` when fatal. Nested errors are serialised here, since loggers only serialise `err`.
 */
export function logReport(logger: Logger, report: ShutdownReport): void {
  const problems = report.hooks.filter((hook) => hook.status !== 'ok');
  const entry: Record<string, unknown> = {
    event: 'shutdown',
    runtime: report.runtime,
    outcome: report.outcome,
    exitCode: report.exitCode,
    reason: { kind: report.reason.kind, message: report.reason.message },
    durationMs: Math.round(report.durationMs),
    deadlineMs: report.deadlineMs,
    unfinishedTaskCount: report.unfinishedTaskCount,
    unfinishedTasks: report.unfinishedTasks,
    failedHooks: problems.map((hook) => ({
      name: hook.name,
      phase: hook.phase,
      status: hook.status,
      durationMs: Math.round(hook.durationMs),
      ...(hook.error === undefined ? {} : { error: plainError(hook.error) }),
    })),
    failedTasks: report.failedTasks.map((task) => ({
      id: task.id,
      name: task.name,
      error: plainError(task.error),
    })),
  };
  if (report.fatal !== undefined) {
    entry.fatal = {
      source: report.fatal.source,
      name: report.fatal.name,
      error: plainError(report.fatal.error),
    };
  }
  const message = summarise(report, problems);
  if (report.outcome === 'clean') logger.info(entry, message);
  else if (report.outcome === 'incomplete') logger.warn(entry, message);
  else logger.error(entry, message);
}

function summarise(report: ShutdownReport, problems: readonly ShutdownHookResult[]): string {
  const parts: string[] = [];
  if (report.unfinishedTaskCount > 0) {
    parts.push(`${report.unfinishedTaskCount} task(s) did not finish`);
  }
  const hung = problems.filter((hook) => hook.status === 'hung').length;
  const failed = problems.length - hung;
  if (hung > 0) parts.push(`${hung} hook(s) hung`);
  if (failed > 0) parts.push(`${failed} hook(s) failed`);
  const what = report.fatal === undefined ? report.outcome : 'after a fatal failure';
  const detail = parts.length > 0 ? `: ${parts.join(', ')}` : '';
  return `shutdown ${what} in ${Math.round(report.durationMs)} ms${detail} (exit code ${report.exitCode})`;
}

function plainError(error: Error): Record<string, unknown> {
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    message: error.message,
    stack: error.stack,
    ...(code === undefined ? {} : { code }),
  };
}
