/**
 * The command line, parsed by `node:util` `parseArgs` (strict: an unknown flag is an error), and
 * the checks that turn flag values into numbers and URLs. Every problem is a `UsageError`.
 *
 * @module
 */

import { parseArgs } from 'node:util';
import type { FlagSpecs, ParsedArgs } from './command.js';
import { UsageError } from './errors.js';

/**
 * Parse `argv` against `flags` (plus `--help`/`-h`). `allowPositionals` caps how many
 * positionals the command takes. Throws `UsageError` for an unknown flag, a flag without its
 * value, a value given to a switch, or too many positionals.
 *
 * @example
 * ```ts
 * const { values } = parseCommandArgs(['--port', '0'], { port: { type: 'string', description: '…' } }, 0);
 * ```
 */
export function parseCommandArgs(
  argv: readonly string[],
  flags: FlagSpecs,
  maxPositionals: number,
): ParsedArgs {
  const options: Record<
    string,
    { type: 'string' | 'boolean'; short?: string; multiple?: boolean }
  > = { help: { type: 'boolean', short: 'h' } };
  for (const [name, spec] of Object.entries(flags)) {
    options[name] = {
      type: spec.type,
      ...(spec.short === undefined ? {} : { short: spec.short }),
      ...(spec.multiple === undefined ? {} : { multiple: spec.multiple }),
    };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: joinNegativeValues(argv, flags),
      options,
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw toUsageError(error);
  }
  if (parsed.positionals.length > maxPositionals && parsed.values.help !== true) {
    const extra = parsed.positionals[maxPositionals] as string;
    throw new UsageError(`unexpected argument ${JSON.stringify(extra)}`);
  }
  return { values: parsed.values as ParsedArgs['values'], positionals: parsed.positionals };
}

/**
 * `parseArgs` refuses `--concurrency -1` as ambiguous (the value looks like a flag). A value
 * that is a negative number is plainly a value: pass it as `--concurrency=-1`, so that the
 * range check can say what is wrong with it.
 */
function joinNegativeValues(argv: readonly string[], flags: FlagSpecs): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (
      name !== undefined &&
      flags[name]?.type === 'string' &&
      next !== undefined &&
      /^-\d/.test(next)
    ) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** `parseArgs`'s errors, said shortly. */
function toUsageError(error: unknown): UsageError {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag !== undefined) {
    return new UsageError(`unknown flag ${flag}`);
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag !== undefined) {
    if (/does not take an argument/.test(message)) {
      return new UsageError(`${flag} is a switch and takes no value`);
    }
    return new UsageError(`${flag} needs a value`);
  }
  return new UsageError(message.split('\n')[0] ?? message);
}

/** A string flag's value (the last one given), or `undefined`. */
export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  if (Array.isArray(value)) return value.at(-1);
  return typeof value === 'string' ? value : undefined;
}

/** Every value of a repeatable string flag, in order. */
export function stringFlags(args: ParsedArgs, name: string): string[] {
  const value = args.values[name];
  if (Array.isArray(value)) return value;
  return typeof value === 'string' ? [value] : [];
}

/** A switch's value. */
export function booleanFlag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

/**
 * An integer flag from `min` to `max`, or `fallback` when it is not given. Throws `UsageError`
 * for anything else (`--port nope`, `--concurrency -1`, `--limit 2.5`).
 *
 * @example
 * ```ts
 * const port = integerFlag(args, 'port', { min: 0, max: 65_535, fallback: 7780 });
 * ```
 */
export function integerFlag(
  args: ParsedArgs,
  name: string,
  range: { min: number; max?: number; fallback: number },
): number;
export function integerFlag(
  args: ParsedArgs,
  name: string,
  range: { min: number; max?: number },
): number | undefined;
export function integerFlag(
  args: ParsedArgs,
  name: string,
  { min, max = 2 ** 31 - 1, fallback }: { min: number; max?: number; fallback?: number },
): number | undefined {
  const raw = stringFlag(args, name);
  if (raw === undefined) return fallback;
  const value = /^-?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return value;
}

/** An `http:` or `https:` URL flag (or its fallback), without a trailing slash. */
export function httpUrl(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--${name} must be an http:// or https:// URL, got '${raw}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--${name} must be an http:// or https:// URL, got '${raw}'`);
  }
  return url.href.replace(/\/+$/, '');
}

/** Throw `UsageError` unless positional `index` (named `name` in the message) was given. */
export function requiredPositional(args: ParsedArgs, index: number, name: string): string {
  const value = args.positionals[index];
  if (value === undefined || value === '') throw new UsageError(`missing argument <${name}>`);
  return value;
}
