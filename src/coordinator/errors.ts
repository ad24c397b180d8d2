/**
 * The errors of the task coordinator. Their codes are in the one registry, `errorCodes`
 * (errors.ts).
 *
 * @module
 */

import { WardenError } from '../errors.js';

/**
 * A {@link TaskCoordinator} that is shutting down (or has shut down) was asked to start a task
 * or to add a subscriber. A coordinator is not restarted.
 *
 * @example
 * ```ts
 * await coordinator.shutdown();
 * await coordinator.start('report', {}).catch((e) => e.code); // 'WARDEN_ERR_COORDINATOR_SHUT_DOWN'
 * ```
 */
export class CoordinatorShutDownError extends WardenError {
  constructor(coordinatorName: string) {
    super(
      'WARDEN_ERR_COORDINATOR_SHUT_DOWN',
      `Coordinator '${coordinatorName}' is shutting down or has shut down; it starts no new tasks and takes no new subscribers`,
    );
  }
}
