/**
 * Flags several commands share, described once: `--json`; the client commands' `--url` and
 * `--token`; the task-running commands' `--tasks`, `--concurrency` and `--lease-timeout`.
 *
 * @module
 */

import { httpUrl, integerFlag, stringFlag, stringFlags } from './args.js';
import type { FlagSpecs, ParsedArgs } from './command.js';
import { UsageError } from './errors.js';
import type { ServerAddress } from './http-client.js';

/** The server the client commands talk to when neither `--url` nor `WARDEN_URL` says. */
export const DEFAULT_URL = 'http://127.0.0.1:7780';

/** `--json`. */
export const jsonFlag = {
  json: { type: 'boolean', description: 'Print JSON (one value per line) instead of text' },
} as const satisfies FlagSpecs;

/** `--url`, `--token` and `--json`, for the commands that talk to a running server. */
export const clientFlags = {
  url: {
    type: 'string',
    value: '<url>',
    description: `The Warden server (env WARDEN_URL; default ${DEFAULT_URL})`,
  },
  token: {
    type: 'string',
    value: '<token>',
    description: 'Bearer token the server requires (env WARDEN_TOKEN)',
  },
  ...jsonFlag,
} as const satisfies FlagSpecs;

/** Read `--url` and `--token` (or `WARDEN_URL`, `WARDEN_TOKEN`). */
export function serverAddress(
  args: ParsedArgs,
  env: Readonly<Record<string, string | undefined>>,
): ServerAddress {
  const raw = stringFlag(args, 'url') ?? (env.WARDEN_URL || DEFAULT_URL);
  const token = stringFlag(args, 'token') ?? (env.WARDEN_TOKEN || undefined);
  if (token !== undefined && token.length === 0) throw new UsageError('--token must not be empty');
  return { url: httpUrl('url', raw), token };
}

/** `--tasks`, `--concurrency` and `--lease-timeout`, for the commands that run tasks. */
export function runnerFlags(concurrency: string): FlagSpecs {
  return {
    tasks: {
      type: 'string',
      multiple: true,
      value: '<module>',
      description: 'Module exporting task definitions (repeatable); see docs/cli.md',
    },
    concurrency: { type: 'string', value: '<n>', description: concurrency },
    'lease-timeout': {
      type: 'string',
      value: '<ms>',
      description:
        "How long a running task's lease lasts unrenewed; a crashed worker's tasks rerun after about 1.25× this (default 10000)",
    },
  };
}

/** What {@link runnerOptions} read. */
export interface RunnerOptions {
  readonly tasks: string[];
  readonly concurrency: number;
  readonly leaseTimeout: number | undefined;
}

/** Read `--tasks`, `--concurrency` (from `min`, default 10) and `--lease-timeout`. */
export function runnerOptions(args: ParsedArgs, minConcurrency: number): RunnerOptions {
  return {
    tasks: stringFlags(args, 'tasks'),
    concurrency: integerFlag(args, 'concurrency', {
      min: minConcurrency,
      max: 10_000,
      fallback: 10,
    }),
    leaseTimeout: integerFlag(args, 'lease-timeout', { min: 1_000, max: 86_400_000 }),
  };
}
