/**
 * The `warden` command line: pick the command, parse its flags, run it, and turn whatever it
 * throws into an exit code and a message.
 *
 * @module
 */

import { parseCommandArgs } from './args.js';
import type { Command } from './command.js';
import { commands } from './commands/index.js';
import { UsageError } from './errors.js';
import { commandHelp, overview, shortUsage } from './help.js';
import { Output, type TextStream } from './output.js';
import { EXIT_USAGE, reportOf } from './report-error.js';
import { wardenVersion } from './version.js';

/** Where {@link runCli} reads and writes; the process's own by default. */
export interface CliIo {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly stdout?: TextStream;
  readonly stderr?: TextStream;
}

/**
 * Run `warden` with `argv` (the arguments after the program name) and resolve with the exit
 * code: 0 on success, 1 on a failure, 2 on a bad command line. `serve` and `worker` resolve only
 * if they fail to start: once running, the runtime's shutdown (SIGINT, SIGTERM) exits the
 * process.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(['ls', '--json']);
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo = {}): Promise<number> {
  const env = io.env ?? process.env;
  const streams = {
    ...(io.stdout === undefined ? {} : { stdout: io.stdout }),
    ...(io.stderr === undefined ? {} : { stderr: io.stderr }),
  };
  const [name, ...rest] = argv;
  const output = new Output(rest.includes('--json'), streams);
  if (name === '--version' || name === '-v' || name === 'version') {
    output.result(`warden ${wardenVersion()}`, { version: wardenVersion() });
    return 0;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = rest[0];
    if (topic === undefined) {
      output.print(overview(commands));
      return 0;
    }
    return withReport(output, undefined, async () => {
      output.print(commandHelp(find(topic)));
      return 0;
    });
  }
  if (name === undefined) {
    output.stderr(overview(commands));
    return EXIT_USAGE;
  }
  const command = commands.find((candidate) => candidate.name === name);
  return withReport(output, command, async () => {
    if (command === undefined) throw new UsageError(`unknown command '${name}'`);
    const args = parseCommandArgs(rest, command.flags, command.positionals);
    if (args.values.help === true) {
      output.print(commandHelp(command));
      return 0;
    }
    return command.run({ args, output, env });
  });
}

function find(name: string): Command {
  const command = commands.find((candidate) => candidate.name === name);
  if (command === undefined) throw new UsageError(`unknown command '${name}'`);
  return command;
}

/** Run `body`; report what it throws on stderr and resolve with the exit code. */
async function withReport(
  output: Output,
  command: Command | undefined,
  body: () => Promise<number>,
): Promise<number> {
  try {
    return await body();
  } catch (error) {
    const report = reportOf(error);
    const prefix = command === undefined ? 'warden' : `warden ${command.name}`;
    if (output.json) {
      output.stderr(
        `${JSON.stringify({ error: { code: report.code ?? 'INTERNAL', message: report.message } })}\n`,
      );
    } else if (report.exitCode === EXIT_USAGE) {
      output.stderr(`${prefix}: ${report.message}\n${shortUsage(command)}`);
    } else if (report.expected) {
      output.stderr(
        `${prefix}: ${report.code === undefined ? '' : `${report.code}: `}${report.message}\n`,
      );
    } else {
      output.stderr(
        `${prefix}: unexpected error (a bug in Warden; please report it):\n${report.message}\n`,
      );
    }
    return report.exitCode;
  }
}
