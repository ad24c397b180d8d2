/**
 * `warden cancel <id>`: cancel a task on a running server.
 *
 * @module
 */

import { requiredPositional, stringFlag } from '../args.js';
import type { Command } from '../command.js';
import { clientFlags, serverAddress } from '../common-flags.js';
import { WardenClient } from '../http-client.js';

/** `warden cancel`. */
export const cancelCommand: Command = {
  name: 'cancel',
  summary: 'Cancel a task (a queued one never runs; a running one is told to stop)',
  usage: '<id> [flags]',
  positionals: 1,
  details: 'Exits 0 also when the task had already ended (nothing to cancel); 1 for an unknown id.',
  flags: {
    reason: {
      type: 'string',
      value: '<text>',
      description: 'Why, for the task and its subscribers (default: cancelled by request)',
    },
    ...clientFlags,
  },
  async run({ args, output, env }) {
    const id = requiredPositional(args, 0, 'id');
    const client = new WardenClient(serverAddress(args, env));
    const answer = await client.cancel(id, stringFlag(args, 'reason'));
    const { task } = answer;
    output.result(() => {
      if (!answer.cancelled)
        return `Task ${task.id} was not cancelled: it is already ${task.status}`;
      return task.status === 'cancelled'
        ? `Cancelled task ${task.id}`
        : `Cancelling task ${task.id}: it stops at its next cancellation check`;
    }, answer);
    return 0;
  },
};
