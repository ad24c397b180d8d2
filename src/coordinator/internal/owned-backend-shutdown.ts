// How a coordinator shuts down the backend it owns: at once (it stops what runs in this process;
// a durable backend hands that back to its queue) and, when the backend can, in two steps, so
// that its event followers stay open until the coordinator has served its subscribers.

import { SHUT_DOWN_IN_STAGES, shutsDownInStages } from '../../backend/internal/staged-shutdown.js';
import type { Logger } from '../../observe/logger.js';
import type { CoordinatorBackend } from '../coordinator-options.js';

/** A backend shutdown begun: `drained` never rejects; `close()` ends the followers. */
export interface OwnedBackendShutdown {
  readonly drained: Promise<void>;
  close(): Promise<void>;
}

/** Begin shutting `backend` down, giving running tasks `grace` ms to stop. */
export function shutDownOwnedBackend(
  backend: CoordinatorBackend,
  grace: number,
  logger: Logger,
  coordinator: string,
): OwnedBackendShutdown {
  const options = { timeout: 0, grace, dropQueued: true };
  const failed = (error: unknown): void =>
    logger.error({ err: error, coordinator }, 'backend shutdown failed');
  if (shutsDownInStages(backend)) {
    try {
      const stages = backend[SHUT_DOWN_IN_STAGES](options);
      return { drained: stages.drained.then(() => {}, failed), close: () => stages.close() };
    } catch (error) {
      failed(error);
      return { drained: Promise.resolve(), close: () => Promise.resolve() };
    }
  }
  const drained = backend.shutdown(options).then(() => {}, failed);
  return { drained, close: () => drained };
}
