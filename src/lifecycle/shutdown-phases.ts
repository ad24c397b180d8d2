/**
 * The phases of a runtime shutdown and how one deadline is shared between them.
 *
 * @module
 */

import type { CancelReason } from '../cancel/cancel-reason.js';
import { now, type Settled, settleBy } from './internal/settle-by.js';
import type { ShutdownHookResult, ShutdownPhase, UnfinishedTask } from './shutdown-report.js';

/**
 * What a shutdown hook receives.
 *
 * @example
 * ```ts
 * runtime.onShutdown('flush', ({ signal }) => exporter.flush({ signal }), { phase: 'close' });
 * ```
 */
export interface ShutdownHookContext {
  /** Why the runtime is shutting down. */
  readonly reason: CancelReason;
  /**
   * Aborted (with a `TimeoutError`) when the hook's phase runs out of budget: the hook is then
   * reported as hung and the shutdown moves on without it. Pass it to whatever the hook awaits.
   */
  readonly signal: AbortSignal;
  /** When the hook's phase runs out of budget, on the `Date.now()` clock. */
  readonly deadline: number;
}

/** A function run during a shutdown phase; it may return a promise, which is awaited. */
export type ShutdownHook = (context: ShutdownHookContext) => unknown;

/**
 * How the shutdown deadline is shared. The readiness delay comes first, at most half the
 * deadline. What is left after it (R) is split by cutoffs measured from the end of the delay:
 * intake hooks must finish by 20 % of R, the drain (tasks and drain hooks) by 80 %, close hooks
 * by 100 %, the deadline itself. Time a phase does not use passes to the next one, so only a
 * phase that hangs is cut short, and a hung phase can never take the later phases' share.
 *
 * @example
 * ```ts
 * // deadline 25 s, no readiness delay: intake by 5 s, drain by 20 s, close by 25 s
 * const drainBy = 25_000 * SHUTDOWN_BUDGET.drainCutoff; // 20_000
 * ```
 */
export const SHUTDOWN_BUDGET = {
  /** Largest part of the deadline the readiness delay may take. */
  readinessDelayMaxShare: 0.5,
  /** Cutoff of the intake phase, as a share of what is left after the readiness delay. */
  intakeCutoff: 0.2,
  /** Cutoff of the drain phase (tasks and drain hooks), as the same share. */
  drainCutoff: 0.8,
} as const;

/** @internal A registered hook. */
export interface HookEntry {
  readonly name: string;
  readonly phase: ShutdownPhase;
  readonly fn: ShutdownHook;
}

/** @internal What the runtime lends the phase runner. */
export interface PhaseHost {
  readonly reason: CancelReason;
  readonly deadlineMs: number;
  readonly readinessDelayMs: number;
  /** Mark `phase` as started (no more hooks for it) and return its hooks. */
  enterPhase(phase: ShutdownPhase): readonly HookEntry[];
  /** Cancel every task with the shutdown reason. */
  cancelTasks(): void;
  /** Settles when every root-scope task has ended. */
  drainTasks(): Promise<void>;
  /** The tasks still running, as plain data, and how many there are. */
  unfinishedTasks(): { tasks: UnfinishedTask[]; count: number };
}

/** @internal What the phases produced. */
export interface PhaseResults {
  hooks: ShutdownHookResult[];
  unfinishedTasks: UnfinishedTask[];
  unfinishedTaskCount: number;
}

/**
 * @internal Run the five phases: (1) readiness delay (the runtime already reports not-ready);
 * (2) intake hooks; (3) cancel every task; (4) drain hooks and the tasks, awaited together;
 * (5) close hooks. Never rejects; never runs past the deadline by more than timer jitter.
 */
export async function runPhases(host: PhaseHost): Promise<PhaseResults> {
  const start = now();
  const end = start + host.deadlineMs;
  const delay = Math.min(
    host.readinessDelayMs,
    host.deadlineMs * SHUTDOWN_BUDGET.readinessDelayMaxShare,
  );
  if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));

  const afterDelay = now();
  const rest = Math.max(0, end - afterDelay);
  const intakeCutoff = afterDelay + rest * SHUTDOWN_BUDGET.intakeCutoff;
  const drainCutoff = afterDelay + rest * SHUTDOWN_BUDGET.drainCutoff;
  const hooks: ShutdownHookResult[] = [];

  await runHooks(host, 'intake', intakeCutoff, [], hooks);

  host.cancelTasks();

  // The drain awaits the tasks alongside the drain hooks, under the same cutoff.
  const [tasksDrained] = await runHooks(
    host,
    'drain',
    drainCutoff,
    [() => host.drainTasks()],
    hooks,
  );
  const unfinished =
    tasksDrained?.status === 'hung' ? host.unfinishedTasks() : { tasks: [], count: 0 };

  await runHooks(host, 'close', end, [], hooks);
  return { hooks, unfinishedTasks: unfinished.tasks, unfinishedTaskCount: unfinished.count };
}

async function runHooks(
  host: PhaseHost,
  phase: ShutdownPhase,
  cutoff: number,
  extra: ReadonlyArray<(signal: AbortSignal) => unknown>,
  into: ShutdownHookResult[],
): Promise<Settled[]> {
  const entries = host.enterPhase(phase);
  const deadline = Date.now() + Math.max(0, cutoff - now());
  const works = entries.map(
    (entry) => (signal: AbortSignal) => entry.fn({ reason: host.reason, signal, deadline }),
  );
  const settled = await settleBy([...extra, ...works], cutoff);
  entries.forEach((entry, index) => {
    const result = settled[extra.length + index] as Settled;
    into.push({
      name: entry.name,
      phase,
      status: result.status,
      durationMs: result.durationMs,
      ...(result.error === undefined ? {} : { error: result.error }),
    });
  });
  return settled.slice(0, extra.length);
}
