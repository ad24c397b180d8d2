/**
 * Every `warden` command, in the order `warden help` lists them.
 *
 * @module
 */

import type { Command } from '../command.js';
import { cancelCommand } from './cancel.js';
import { eventsCommand } from './events.js';
import { lsCommand } from './ls.js';
import { migrateCommand } from './migrate.js';
import { serveCommand } from './serve.js';
import { submitCommand } from './submit.js';
import { workerCommand } from './worker.js';

/** The commands, by the order people reach for them. */
export const commands: readonly Command[] = [
  serveCommand,
  workerCommand,
  submitCommand,
  lsCommand,
  eventsCommand,
  cancelCommand,
  migrateCommand,
];
