// A coordinator definition `(ctx) => result` as the backend handler that runs it: it builds the
// task's context, tells its coordinator when the run starts and ends in this process (for the
// shutdown drain, the stats and the observers), and classifies the outcome for the observers.

import type { TaskHandler } from '../../backend/task-backend.js';
import type { CancelReason } from '../../cancel/cancel-reason.js';
import { isCancellation } from '../../task/internal/outcome.js';
import type { TaskRunEnd } from '../coordinator-options.js';
import type { TaskDefinition } from '../task-context.js';
import { RunContext } from './run-context.js';
import type { RunObservers } from './run-observers.js';
import type { LocalRun } from './shutdown-drain.js';

/** What a definition's handler needs from its coordinator. */
export interface DefinitionHost {
  readonly state: 'running' | 'stopping' | 'stopped';
  /** The reason a task that starts during the shutdown is cancelled with. */
  readonly shutdownReason: CancelReason | undefined;
  readonly observers: RunObservers;
  /** A run began in this process. */
  runStarted(run: LocalRun): void;
  /** A run that began in this process has ended. */
  runEnded(run: LocalRun): void;
}

/** The backend handler of `kind`, running `fn`. */
export function definitionHandler(
  host: DefinitionHost,
  kind: string,
  fn: TaskDefinition,
): TaskHandler {
  return async (input, handlerContext) => {
    const ctx = new RunContext(input, handlerContext);
    if (host.state !== 'running') {
      // Accepted before the shutdown, started after: it does not run here.
      handlerContext.token.cancel(host.shutdownReason);
      if (host.state === 'stopped') return fn(ctx);
    }
    const run: LocalRun = {
      id: handlerContext.id,
      kind,
      token: handlerContext.token,
      startedAt: Date.now(),
    };
    host.runStarted(run);
    const attempt = handlerContext.attempt;
    host.observers.notify('started', { id: run.id, kind, attempt });
    let outcome: TaskRunEnd['outcome'] = 'failed';
    try {
      const result = await fn(ctx);
      outcome = 'succeeded';
      return result;
    } catch (error) {
      const reason = handlerContext.token.reason;
      if (reason !== undefined && reason.kind !== 'timeout' && isCancellation(error)) {
        outcome = 'cancelled';
      }
      throw error;
    } finally {
      host.runEnded(run);
      const timeout = handlerContext.token.reason?.kind === 'timeout';
      const durationMs = Date.now() - run.startedAt;
      host.observers.notify('ended', { id: run.id, kind, attempt, outcome, timeout, durationMs });
    }
  };
}
