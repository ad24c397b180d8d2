// How any backend joins the process Runtime's shutdown: a 'drain' hook that shuts the backend
// down within what is left of the phase, and fails (making the runtime's report incomplete and
// its exit code 1) when tasks ignored their cancellation.

import { getDefaultRuntime } from '../../lifecycle/default-runtime.js';
import type { Runtime } from '../../lifecycle/runtime.js';
import type { ShutdownHookRegistration } from '../../lifecycle/runtime-options.js';
import { TasksAbandonedError } from '../errors.js';
import type { BackendShutdownOptions, BackendShutdownReport } from '../task-backend.js';

/** What {@link registerDrainHook} needs of a backend. */
export interface DrainableBackend {
  readonly name: string;
  shutdown(options: BackendShutdownOptions): Promise<BackendShutdownReport>;
}

/**
 * Register `backend` with `runtime` (the default runtime when `undefined`; nothing for `false`).
 * The hook finishes clearly before the phase's cutoff (10 % slack for timer jitter, and at most a
 * quarter of the rest as grace), or the runtime would report it as hung.
 */
export function registerDrainHook(
  backend: DrainableBackend,
  runtime: Runtime | false | undefined,
  shutdownGrace: number,
): ShutdownHookRegistration | undefined {
  const target = runtime ?? getDefaultRuntime();
  if (target === false) return undefined;
  return target.onShutdown(
    `backend '${backend.name}'`,
    ({ deadline }) => {
      const remaining = Math.max(0, deadline - Date.now());
      const grace = Math.min(shutdownGrace, remaining * 0.25);
      const timeout = Math.max(0, remaining * 0.9 - grace);
      return backend.shutdown({ timeout, grace }).then((report) => {
        if (report.abandoned.length > 0) {
          throw new TasksAbandonedError(backend.name, report.abandoned);
        }
      });
    },
    { phase: 'drain' },
  );
}
