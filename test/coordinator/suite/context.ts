// What every part of the coordinator suite receives, and the definition several parts share.

import type { TaskContext, TaskCoordinator } from '../../../src/index.js';
import { deferred, within } from '../../helpers.js';
import type { BackendFactory } from '../helpers.js';

/** The backend under test, the `test` to register with, and the slowness factor for bounds. */
export interface SuiteContext {
  readonly factory: BackendFactory;
  /** `test`, marked todo (run, reported, not failing) where the backend has a known issue. */
  readonly it: (name: string, fn: () => Promise<void>) => void;
  /** 3 on slow backends (bounds are multiplied by it), else 1. */
  readonly slow: number;
}

/** A definition that signals when it runs and then waits for its token (honouring it). */
export function waiter(
  started: { resolve(id: string): void },
  cleanup?: (ctx: TaskContext) => void,
) {
  return async (ctx: TaskContext): Promise<string> => {
    try {
      started.resolve(ctx.id);
      await ctx.token.cancelled();
      ctx.token.throwIfCancelled();
      return 'unreachable';
    } finally {
      cleanup?.(ctx);
    }
  };
}

/** Define `wait` as a {@link waiter}, start one, and resolve with its id once it is running. */
export async function startWaiting(coordinator: TaskCoordinator): Promise<string> {
  const started = deferred<string>();
  coordinator.define('wait', waiter(started));
  const id = await coordinator.start('wait', null);
  await within(started.promise);
  return id;
}
