// Every `warden` process a chaos run starts, so that a run (and a failing test) can kill whatever
// is left: `killAll()` in an `after`, whatever happened.

import { startWarden, type WardenProcess } from '../../cli/helpers.js';

/** The fixture task module, relative to the repository root (the children's working directory). */
export const CHAOS_TASKS = 'test/chaos/fixtures/tasks.ts';

/** See the file comment. */
export class ProcessGroup {
  private readonly _all = new Set<WardenProcess>();

  constructor(private readonly _env: Record<string, string>) {}

  /** Start `warden ...args` with the group's environment (the run-log directory, …). */
  start(args: readonly string[], env: Record<string, string> = {}): WardenProcess {
    const process = startWarden(args, { env: { ...this._env, ...env } });
    this.add(process);
    return process;
  }

  /** Track a process started elsewhere. */
  add(process: WardenProcess): void {
    this._all.add(process);
    void process.exited.then(() => this._all.delete(process));
  }

  /** SIGKILL every process still running and wait for them to exit. */
  async killAll(): Promise<void> {
    await Promise.all([...this._all].map((process) => process.stop('SIGKILL')));
  }
}
