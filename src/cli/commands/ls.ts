/**
 * `warden ls`: the tasks a running server knows, newest first.
 *
 * @module
 */

import type { TaskState } from '../../backend/task-events.js';
import { integerFlag, stringFlag } from '../args.js';
import type { Command } from '../command.js';
import { clientFlags, serverAddress } from '../common-flags.js';
import { UsageError } from '../errors.js';
import { taskTable } from '../format.js';
import { WardenClient } from '../http-client.js';

const STATUSES: readonly TaskState[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

/** `warden ls`. */
export const lsCommand: Command = {
  name: 'ls',
  summary: 'List tasks, newest first',
  usage: '[flags]',
  positionals: 0,
  flags: {
    status: {
      type: 'string',
      value: '<list>',
      description: `Only these statuses, comma-separated: ${STATUSES.join(', ')}`,
    },
    kind: { type: 'string', value: '<kind>', description: 'Only tasks of this kind' },
    limit: { type: 'string', value: '<n>', description: 'At most this many, 1–500 (default 50)' },
    cursor: {
      type: 'string',
      value: '<cursor>',
      description: 'Continue after the previous page (the cursor ls printed)',
    },
    ...clientFlags,
  },
  async run({ args, output, env }) {
    const status = stringFlag(args, 'status');
    if (status !== undefined) {
      for (const one of status.split(',')) {
        if (!STATUSES.includes(one.trim() as TaskState)) {
          throw new UsageError(
            `--status must be one or more of ${STATUSES.join(', ')} (comma-separated), got '${one}'`,
          );
        }
      }
    }
    const limit = integerFlag(args, 'limit', { min: 1, max: 500 });
    const client = new WardenClient(serverAddress(args, env));
    const page = await client.list({
      status: status
        ?.split(',')
        .map((one) => one.trim())
        .join(','),
      kind: stringFlag(args, 'kind'),
      limit: limit === undefined ? undefined : String(limit),
      cursor: stringFlag(args, 'cursor'),
    });
    output.result(() => {
      if (page.tasks.length === 0) return 'No tasks.';
      const more = page.nextCursor === null ? '' : `\nMore: warden ls --cursor ${page.nextCursor}`;
      return `${taskTable(page.tasks)}${more}`;
    }, page);
    return 0;
  },
};
