/**
 * `warden submit <kind> [json-input]`: start a task on a running server, and with `--wait`
 * follow it to its end.
 *
 * @module
 */

import { text } from 'node:stream/consumers';
import { booleanFlag, integerFlag, requiredPositional, stringFlag } from '../args.js';
import type { Command } from '../command.js';
import { clientFlags, serverAddress } from '../common-flags.js';
import { UsageError } from '../errors.js';
import { followEvents, TERMINAL_TYPES } from '../follow-events.js';
import { terminalSummary } from '../format.js';
import { WardenClient } from '../http-client.js';
import { ProgressLine } from '../progress.js';

/** `warden submit`. */
export const submitCommand: Command = {
  name: 'submit',
  summary: 'Start a task on a running server (--wait: follow it to its end)',
  usage: '<kind> [json-input] [flags]',
  positionals: 2,
  details: [
    "json-input is the task's input as JSON, e.g. '{\"from\": 5}' (quote it for the shell);",
    "'-' reads it from stdin. Without it the input is null.",
    '',
    'With --wait the command follows the task and exits 0 when it completes, 1 when it fails or',
    'is cancelled; a progress line is shown on stderr when stderr is a terminal. With --json it',
    'prints the task record, then (with --wait) each event, one JSON value per line.',
  ].join('\n'),
  flags: {
    id: { type: 'string', value: '<id>', description: 'The task id (default: a random UUID)' },
    timeout: {
      type: 'string',
      value: '<ms>',
      description: "Time limit; then the task is cancelled and fails (default: the kind's)",
    },
    wait: {
      type: 'boolean',
      description: 'Follow the task until it ends; exit 1 unless it completed',
    },
    ...clientFlags,
  },
  async run({ args, output, env }) {
    const kind = requiredPositional(args, 0, 'kind');
    const input = await parseInput(args.positionals[1]);
    const id = stringFlag(args, 'id');
    const timeout = integerFlag(args, 'timeout', { min: 1 });
    const wait = booleanFlag(args, 'wait');
    const client = new WardenClient(serverAddress(args, env));
    const task = await client.submit({
      kind,
      ...(input === undefined ? {} : { input }),
      ...(id === undefined ? {} : { id }),
      ...(timeout === undefined ? {} : { timeout }),
    });
    output.result(`Task ${task.id} (${task.kind}) ${task.status}`, task);
    if (!wait) return 0;

    const progress = new ProgressLine(output, task.kind, task.id);
    try {
      for await (const event of followEvents(client, task.id, {
        onReconnecting: () => progress.reconnecting(),
      })) {
        progress.update(event);
        const ended = TERMINAL_TYPES.has(event.type);
        if (ended) progress.clear();
        if (output.json) output.result('', event);
        else if (ended) output.say(terminalSummary(event));
        if (ended) return event.type === 'completed' ? 0 : 1;
      }
    } finally {
      progress.clear();
    }
    throw new Error(`the event stream of task ${task.id} ended without a terminal event`);
  },
};

/** The input positional as JSON; `-` reads stdin; none is `undefined` (the server makes it null). */
async function parseInput(raw: string | undefined): Promise<unknown> {
  if (raw === undefined) return undefined;
  const source = raw === '-' ? await text(process.stdin) : raw;
  try {
    return JSON.parse(source);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(
      `json-input must be JSON (quote it for the shell: '{"from": 5}'): ${reason}`,
    );
  }
}
