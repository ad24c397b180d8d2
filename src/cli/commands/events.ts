/**
 * `warden events <id>`: a task's events, replayed and then live, until its terminal event.
 *
 * @module
 */

import { integerFlag, requiredPositional } from '../args.js';
import type { Command } from '../command.js';
import { clientFlags, serverAddress } from '../common-flags.js';
import { followEvents } from '../follow-events.js';
import { eventLine } from '../format.js';
import { WardenClient } from '../http-client.js';

/** `warden events`. */
export const eventsCommand: Command = {
  name: 'events',
  summary: "Follow a task's events (Server-Sent Events) until it ends",
  usage: '<id> [flags]',
  positionals: 1,
  details: [
    'Replays the events the server still holds, then streams live ones, and exits 0 after the',
    'terminal event (completed, failed or cancelled). A dropped connection is resumed where it',
    'stopped (Last-Event-ID). Each line: seq, time (UTC), type, data; with --json, each event as',
    'one JSON value per line.',
  ].join('\n'),
  flags: {
    'last-event-id': {
      type: 'string',
      value: '<seq>',
      description: 'Start after this event (default 0: from the first)',
    },
    ...clientFlags,
  },
  async run({ args, output, env }) {
    const id = requiredPositional(args, 0, 'id');
    const lastEventId = integerFlag(args, 'last-event-id', { min: 0, fallback: 0 });
    const client = new WardenClient(serverAddress(args, env));
    for await (const event of followEvents(client, id, {
      lastEventId,
      onReconnecting: () => output.note('(connection lost; reconnecting…)'),
    })) {
      output.result(eventLine(event), event);
    }
    return 0;
  },
};
