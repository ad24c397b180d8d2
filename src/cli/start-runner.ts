/**
 * What `serve` and `worker` share: a `TaskCoordinator` over a started `PostgresBackend`, with
 * the kinds of the `--tasks` modules defined, shut down by the process runtime.
 *
 * @module
 */

import { TaskCoordinator } from '../coordinator/task-coordinator.js';
import { getDefaultRuntime } from '../lifecycle/default-runtime.js';
import type { Runtime } from '../lifecycle/runtime.js';
import { createConsoleLogger, type Logger } from '../observe/logger.js';
import type { PostgresBackend } from '../postgres/postgres-backend.js';
import type { DatabaseChoice } from './database-flags.js';
import { defineKinds, type LoadedKind } from './load-tasks.js';
import { startBackend } from './open-backend.js';

/** What {@link startRunner} needs. */
export interface RunnerSetup {
  readonly choice: DatabaseChoice;
  readonly kinds: readonly LoadedKind[];
  /** Tasks run at once in this process; 0: none (a producer: API only). */
  readonly concurrency: number;
  readonly leaseTimeout: number | undefined;
  readonly logger: Logger;
  /** Whose shutdown (SIGTERM, SIGINT) stops the coordinator and its backend. */
  readonly runtime: Runtime;
}

/** A started coordinator and its backend. */
export interface Runner {
  readonly coordinator: TaskCoordinator;
  readonly backend: PostgresBackend;
}

/**
 * Start the backend (bounded: a dead database fails fast) with every kind defined, and a
 * coordinator over it that owns it: the runtime's shutdown shuts the coordinator down, which
 * shuts the backend down and hands the tasks running here back to the queue (another worker, or
 * this one after a restart, runs them again).
 *
 * @example
 * ```ts
 * const { coordinator } = await startRunner({ choice, kinds, concurrency: 10, leaseTimeout: undefined, logger, runtime });
 * ```
 */
export async function startRunner(setup: RunnerSetup): Promise<Runner> {
  let coordinator: TaskCoordinator | undefined;
  const backend = await startBackend(
    setup.choice,
    {
      name: 'warden',
      concurrency: setup.concurrency,
      ...(setup.leaseTimeout === undefined ? {} : { leaseTimeout: setup.leaseTimeout }),
      logger: setup.logger,
      // The coordinator owns the backend: its shutdown is the backend's.
      runtime: false,
    },
    (started) => {
      coordinator = new TaskCoordinator({
        name: 'warden',
        backend: started,
        logger: setup.logger,
        runtime: setup.runtime,
        shutdownBackend: true,
      });
      defineKinds(coordinator, setup.kinds);
    },
  );
  if (coordinator === undefined) throw new Error('the coordinator was not created');
  return { coordinator, backend };
}

/** A {@link Runner} of this process, with the runtime and logger it was started with. */
export interface ProcessRunner extends Runner {
  readonly runtime: Runtime;
  readonly logger: Logger;
}

/**
 * {@link startRunner} for a `serve` or `worker` process: on the default runtime, with its
 * signal handlers installed (Ctrl-C and SIGTERM shut down gracefully), logging to the console.
 *
 * @example
 * ```ts
 * const { coordinator, runtime } = await startProcessRunner({ choice, kinds, concurrency: 10, leaseTimeout: undefined });
 * ```
 */
export async function startProcessRunner(
  setup: Omit<RunnerSetup, 'logger' | 'runtime'>,
): Promise<ProcessRunner> {
  const runtime = getDefaultRuntime();
  runtime.install();
  const logger = createConsoleLogger();
  const runner = await startRunner({ ...setup, logger, runtime });
  return { ...runner, runtime, logger };
}
