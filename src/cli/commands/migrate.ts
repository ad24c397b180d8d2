/**
 * `warden migrate`: create the queue's schema, or bring it up to date, as a deploy step before
 * the workers start.
 *
 * @module
 */

import type { Command } from '../command.js';
import { jsonFlag } from '../common-flags.js';
import { chooseDatabase, databaseFlags } from '../database-flags.js';

/** `warden migrate`. */
export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Create or update the database schema (serve and worker also do it when they start)',
  usage: '[flags]',
  positionals: 0,
  details: [
    'Applies the migrations the schema lacks, each in its own transaction under an advisory lock',
    '(several processes may migrate at once), and prints what it applied.',
  ].join('\n'),
  flags: { ...databaseFlags(true), ...jsonFlag },
  async run({ args, output, env }) {
    const choice = chooseDatabase(args, env, { embedded: true, command: 'migrate' });
    // Loaded here, not at start-up: the client commands never need a database driver.
    const [{ migrate }, { bounded, lockEmbedded }, { createConsoleLogger }] = await Promise.all([
      import('../../postgres/migrate.js'),
      import('../open-backend.js'),
      import('../../observe/logger.js'),
    ]);
    lockEmbedded(choice, 'migrate');
    const result = await bounded(
      migrate({
        ...choice.connection,
        schema: choice.schema,
        logger: createConsoleLogger({ level: 'warn' }),
      }),
      'migrate',
      choice,
    );
    output.result(
      result.applied.length === 0
        ? `Schema '${choice.schema}' in ${choice.description} is up to date (version ${result.version})`
        : `Applied ${result.applied.join(', ')} to schema '${choice.schema}' in ${choice.description} (now at version ${result.version})`,
      { ...result, schema: choice.schema, database: choice.description },
    );
    return 0;
  },
};
