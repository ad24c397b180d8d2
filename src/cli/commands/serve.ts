/**
 * `warden serve`: the HTTP API, the dashboard and workers in one process, on the embedded
 * database or a shared PostgreSQL.
 *
 * @module
 */

import { TokenRequiredError } from '../../http/errors.js';
import { resolveAllowedHosts } from '../../http/internal/host-check.js';
import { integerFlag, stringFlag, stringFlags } from '../args.js';
import type { Command } from '../command.js';
import { jsonFlag, runnerFlags, runnerOptions } from '../common-flags.js';
import { chooseDatabase, databaseFlags } from '../database-flags.js';
import { UsageError } from '../errors.js';
import { loadTaskModules } from '../load-tasks.js';

const DEFAULT_PORT = 7780;
const DEFAULT_HOST = '127.0.0.1';

/** `warden serve`. */
export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run the HTTP API, the dashboard and workers (embedded database by default)',
  usage: '[flags]',
  positionals: 0,
  details: [
    'Stores tasks in an embedded PostgreSQL (PGlite) in ./.warden, or with --database in a',
    'PostgreSQL server that any number of `warden worker` processes share (--concurrency 0 makes',
    'this process the API only). Ctrl-C or SIGTERM shuts down gracefully: the listener closes,',
    'running tasks are handed back to the queue and every event stream gets a final event.',
  ].join('\n'),
  flags: {
    ...runnerFlags('Tasks run at once in this process; 0 runs none (API only) (default 10)'),
    ...databaseFlags(true),
    port: {
      type: 'string',
      value: '<port>',
      description: `Port to listen on; 0 picks a free one (default ${DEFAULT_PORT})`,
    },
    host: {
      type: 'string',
      value: '<host>',
      description: `Address to listen on; anything but loopback needs --token (default ${DEFAULT_HOST})`,
    },
    token: {
      type: 'string',
      value: '<token>',
      description: 'Bearer token every API request must carry (env WARDEN_TOKEN)',
    },
    'allowed-host': {
      type: 'string',
      multiple: true,
      value: '<name>',
      description:
        "A Host name to answer to besides IP addresses, localhost and --host (repeatable; '.example.com' for a domain and its subdomains; '*' for any)",
    },
    ...jsonFlag,
  },
  async run({ args, output, env }) {
    const runner = runnerOptions(args, 0);
    const choice = chooseDatabase(args, env, { embedded: true, command: 'serve' });
    const port = integerFlag(args, 'port', { min: 0, max: 65_535, fallback: DEFAULT_PORT });
    const host = stringFlag(args, 'host') ?? DEFAULT_HOST;
    if (host === '') throw new UsageError('--host must not be empty');
    const token = stringFlag(args, 'token') ?? (env.WARDEN_TOKEN || undefined);
    if (token === '') throw new UsageError('--token must not be empty');
    const allowedHosts = allowedHostsFlag(stringFlags(args, 'allowed-host'));
    if (runner.concurrency === 0 && choice.dataDir !== undefined) {
      throw new UsageError(
        '--concurrency 0 runs no tasks here, and no other process can reach the embedded database: give --database postgres://… to run workers elsewhere',
      );
    }
    // Refuse before opening anything (the server checks it again).
    if (token === undefined && !isLoopback(host)) throw new TokenRequiredError(host);

    const kinds = await loadTaskModules(runner.tasks);
    if (kinds.length === 0) {
      output.note(
        'warden: no --tasks module given: no task kinds are defined, so every submit will be refused',
      );
    }
    // Loaded here, not at start-up: the client commands need neither the server nor a driver.
    const [{ startProcessRunner }, { startWardenServer }] = await Promise.all([
      import('../start-runner.js'),
      import('../../http/index.js'),
    ]);
    const { coordinator, runtime, logger } = await startProcessRunner({
      choice,
      kinds,
      concurrency: runner.concurrency,
      leaseTimeout: runner.leaseTimeout,
    });
    let server: Awaited<ReturnType<typeof startWardenServer>>;
    try {
      server = await startWardenServer({
        coordinator,
        host,
        port,
        logger,
        runtime,
        allowedHosts,
        ...(token === undefined ? {} : { token }),
      });
    } catch (error) {
      await coordinator.shutdown({ timeout: 1_000 });
      throw error;
    }
    const url = new URL('/', server.url).href;
    const names = kinds.map((kind) => kind.kind);
    output.result(
      () =>
        [
          `Warden dashboard: ${url}`,
          `  API        ${url}tasks${token === undefined ? '' : ' (bearer token required)'}`,
          `  database   ${choice.description} (schema ${choice.schema})`,
          `  kinds      ${names.length === 0 ? '(none)' : names.join(', ')}`,
          `  workers    ${runner.concurrency === 0 ? 'none here (API only)' : `${runner.concurrency} in this process (pid ${process.pid})`}`,
          'Press Ctrl-C to stop.',
        ].join('\n'),
      {
        event: 'listening',
        url,
        database: choice.description,
        schema: choice.schema,
        kinds: names,
        concurrency: runner.concurrency,
        pid: process.pid,
      },
    );
    // The server and the runtime keep the process up; SIGINT/SIGTERM shut it down and exit.
    return new Promise<number>(() => {});
  },
};

/** `--allowed-host`, each value checked as `allowedHosts` checks it; `*` among them: any. */
function allowedHostsFlag(values: readonly string[]): readonly string[] | '*' {
  if (values.includes('*')) return '*';
  for (const value of values) {
    try {
      resolveAllowedHosts([value], 'allowedHosts');
    } catch {
      throw new UsageError(
        `--allowed-host must be a host name without a port (or '.example.com', or '*'), got '${value}'`,
      );
    }
  }
  return values;
}

/** The addresses that do not reach beyond this machine. */
function isLoopback(host: string): boolean {
  return (
    host === 'localhost' ||
    host === '::1' ||
    host === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}
