/**
 * `warden worker`: run tasks from a shared PostgreSQL, with no HTTP: start as many as the load
 * needs, on any machine.
 *
 * @module
 */

import type { Command } from '../command.js';
import { jsonFlag, runnerFlags, runnerOptions } from '../common-flags.js';
import { chooseDatabase, databaseFlags } from '../database-flags.js';
import { UsageError } from '../errors.js';
import { loadTaskModules } from '../load-tasks.js';

/** `warden worker`. */
export const workerCommand: Command = {
  name: 'worker',
  summary: 'Run tasks from a shared PostgreSQL, without HTTP (scale out with more of them)',
  usage: '--database <url> --tasks <module> [flags]',
  positionals: 0,
  details: [
    'Claims the tasks of the kinds its --tasks modules define from the queue in --database, the',
    'one `warden serve --database …` serves. A worker that dies has its tasks run again elsewhere',
    'once their lease expires (--lease-timeout). Ctrl-C or SIGTERM hands running tasks back.',
  ].join('\n'),
  flags: {
    ...databaseFlags(false),
    ...runnerFlags('Tasks run at once in this process, at least 1 (default 10)'),
    ...jsonFlag,
  },
  async run({ args, output, env }) {
    const runner = runnerOptions(args, 1);
    const choice = chooseDatabase(args, env, { embedded: false, command: 'worker' });
    if (runner.tasks.length === 0) {
      throw new UsageError('worker needs at least one --tasks module: the kinds it runs');
    }
    const kinds = await loadTaskModules(runner.tasks);
    const { startProcessRunner } = await import('../start-runner.js');
    const { backend, runtime } = await startProcessRunner({
      choice,
      kinds,
      concurrency: runner.concurrency,
      leaseTimeout: runner.leaseTimeout,
    });
    // The backend's timers do not hold the process open; this does, until the shutdown ends.
    const keepAlive = setInterval(() => {}, 1 << 30);
    runtime.onShutdown('worker keep-alive', () => clearInterval(keepAlive), { phase: 'close' });
    const names = kinds.map((kind) => kind.kind);
    output.result(
      `Warden worker ready (pid ${process.pid}): ${names.join(', ')}; concurrency ${runner.concurrency}; ${choice.description} (schema ${choice.schema})`,
      {
        event: 'ready',
        pid: process.pid,
        workerId: backend.workerId,
        kinds: names,
        concurrency: runner.concurrency,
        database: choice.description,
        schema: choice.schema,
      },
    );
    return new Promise<number>(() => {});
  },
};
