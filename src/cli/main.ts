#!/usr/bin/env node
/**
 * The `warden` executable: `warden <command> [flags]`. See docs/cli.md, or `warden help`.
 *
 * @module
 */

import { Output } from './output.js';
import { runCli } from './run-cli.js';

// `warden events … | head`: a reader that goes away ends the command, quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

void runCli(process.argv.slice(2)).then(async (code) => {
  // Exit explicitly: a client's sockets or a failed start's timers must not hold the process
  // open once the command is done. Flush first, so piped output is not cut short.
  await new Output(false).flush();
  process.exit(code);
});
