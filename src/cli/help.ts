/**
 * Help text, generated from each command's flags so that it cannot drift from the parser.
 *
 * @module
 */

import type { Command } from './command.js';

/** `warden <command> --help`. */
export function commandHelp(command: Command): string {
  const flags = Object.entries(command.flags).map(([name, spec]) => {
    const short = spec.short === undefined ? '    ' : `-${spec.short}, `;
    return [
      `${short}--${name}${spec.value === undefined ? '' : ` ${spec.value}`}`,
      spec.description,
    ];
  });
  flags.push(['-h, --help', 'Show this help']);
  const width = Math.max(...flags.map(([left]) => (left as string).length));
  const lines = [
    `Usage: warden ${command.name} ${command.usage}`.trimEnd(),
    '',
    command.summary,
    ...(command.details === undefined ? [] : ['', command.details]),
    '',
    'Flags:',
    ...flags.map(([left, right]) => `  ${(left as string).padEnd(width)}  ${right}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** The short usage printed under a usage error. */
export function shortUsage(command: Command | undefined): string {
  if (command === undefined)
    return "Usage: warden <command> [flags]\nRun 'warden help' for the commands.\n";
  return `Usage: warden ${command.name} ${command.usage}\nRun 'warden ${command.name} --help' for its flags.\n`.replace(
    / +\n/,
    '\n',
  );
}

/** `warden help`: every command, one line each. */
export function overview(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    'Usage: warden <command> [flags]',
    '',
    'Supervised, cancellable background tasks: a server with an HTTP API and a dashboard, workers',
    'that scale out on PostgreSQL, and a client for both.',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    "Run 'warden <command> --help' for a command's flags; 'warden --version' for the version.",
    '',
  ].join('\n');
}
