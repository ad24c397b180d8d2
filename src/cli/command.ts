/**
 * What a `warden` command is: its name, its flags (described once, for the parser and the help
 * text alike) and what it does.
 *
 * @module
 */

import type { Output } from './output.js';

/** One flag of a command, as `node:util` `parseArgs` takes it, plus what the help text says. */
export interface FlagSpec {
  /** `string` takes a value (`--port 7780`, `--port=7780`); `boolean` is a switch. */
  readonly type: 'string' | 'boolean';
  /** A one-letter alias (`-h`). */
  readonly short?: string;
  /** The flag may be given more than once; its values are kept in order. */
  readonly multiple?: boolean;
  /** The placeholder in the help text (`<port>`). */
  readonly value?: string;
  /** One line for the help text, defaults and environment variables included. */
  readonly description: string;
}

/** Flags by long name (without the dashes). */
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** What `parseArgs` made of a command line: flag values by name, and the positionals. */
export interface ParsedArgs {
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly positionals: readonly string[];
}

/** What a command runs with. */
export interface CommandContext {
  /** The parsed command line (already checked against the command's flags). */
  readonly args: ParsedArgs;
  /** Where results, messages and progress go, in the mode `--json` chose. */
  readonly output: Output;
  /** The environment to read `WARDEN_*` variables from. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * A `warden` subcommand. `run` resolves with the process exit code; it throws `UsageError` for a
 * bad command line and the other typed errors for expected failures (the caller prints them).
 */
export interface Command {
  /** What the user types: `serve`, `ls`, … */
  readonly name: string;
  /** One line for `warden help`. */
  readonly summary: string;
  /** The usage line after `warden <name>`, e.g. `<kind> [json-input] [flags]`. */
  readonly usage: string;
  /** How many positional arguments it takes at most. */
  readonly positionals: number;
  /** Paragraphs of help text shown after the usage line (optional). */
  readonly details?: string;
  /** The command's flags (`--help` is added to every command). */
  readonly flags: FlagSpecs;
  /** Do it. */
  run(context: CommandContext): Promise<number>;
}
