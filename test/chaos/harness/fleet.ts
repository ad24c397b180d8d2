// A fixed number of `warden` processes (workers, or one `serve` on PGlite) that the chaos runs
// kill with SIGKILL on a schedule and restart at once, recording every kill: which process, and
// when (just before the signal), so a re-run can later be checked against the kills.

import { setTimeout as delay } from 'node:timers/promises';
import type { WardenProcess } from '../../cli/helpers.js';

/** One kill -9. */
export interface Kill {
  readonly pid: number;
  /** ms since the epoch, taken just before the signal was sent. */
  readonly at: number;
  /** When its replacement printed its ready line. */
  back?: number;
}

interface Slot {
  process: WardenProcess;
  ready: Promise<void>;
}

/** How to start one member, and which stdout line says it is ready. */
export interface FleetOptions {
  readonly count: number;
  /** Starts one member (through a `ProcessGroup`, so that a failed run can kill it). */
  readonly spawn: () => WardenProcess;
  readonly ready: RegExp;
  /** How long a start may take to print its ready line (a loaded 2-core machine). */
  readonly readyTimeout?: number;
}

/** See the file comment. */
export class Fleet {
  readonly kills: Kill[] = [];
  /** Every member started, the killed ones too. */
  readonly launched: WardenProcess[] = [];
  private readonly _slots: Slot[] = [];
  private _loop: Promise<void> | undefined;
  /** Why the kill schedule stopped early (a restart that never became ready). */
  private _failure: unknown;
  private _stopping = false;
  private _wake: (() => void) | undefined;

  constructor(private readonly _options: FleetOptions) {}

  /** Start every member and wait until each is ready. */
  async start(): Promise<void> {
    for (let i = 0; i < this._options.count; i++) this._slots.push(this._launch());
    await Promise.all(this._slots.map((slot) => slot.ready));
  }

  /** The members running now. */
  get processes(): WardenProcess[] {
    return this._slots.map((slot) => slot.process);
  }

  /**
   * Kill one member every `everyMs` (round robin), restarting it at once. With `fromReady`, the
   * interval counts from the member's ready line (a lone PGlite server gets that much uptime
   * between kills); otherwise from the previous kill.
   */
  killEvery(
    everyMs: number,
    { fromReady = false, onKill }: { fromReady?: boolean; onKill?: (kill: Kill) => void } = {},
  ): void {
    this._loop = (async () => {
      for (let turn = 0; !this._stopping; turn++) {
        const slot = this._slots[turn % this._slots.length] as Slot;
        if (fromReady) await slot.ready;
        await this._pause(everyMs);
        if (this._stopping) return;
        // Only a ready member is killed: a kill during start-up tests nothing here.
        await slot.ready;
        if (this._stopping) return;
        const victim = slot.process;
        const kill: Kill = { pid: victim.pid, at: Date.now() };
        this.kills.push(kill);
        victim.child.kill('SIGKILL');
        onKill?.(kill);
        await victim.exited;
        Object.assign(slot, this._launch());
        void slot.ready.then(() => {
          kill.back = Date.now();
        });
      }
    })().catch((error: unknown) => {
      this._failure = error;
    });
  }

  /** Stop the kill schedule (a kill under way finishes, and its restart becomes ready). */
  async stopKilling(): Promise<void> {
    this._stopping = true;
    this._wake?.();
    await this._loop;
    if (this._failure !== undefined) throw this._failure;
    await Promise.all(this._slots.map((slot) => slot.ready));
  }

  /** SIGTERM every member; resolves with their exits. */
  async stop(): Promise<Array<{ code: number | null; signal: NodeJS.Signals | null }>> {
    await this.stopKilling();
    return Promise.all(this._slots.map((slot) => slot.process.stop('SIGTERM')));
  }

  private _launch(): Slot {
    const process = this._options.spawn();
    this.launched.push(process);
    const ready = process
      .line(this._options.ready, this._options.readyTimeout ?? 60_000)
      .then(() => {});
    // A start that fails is reported by whoever awaits `ready`; keep it from being unhandled.
    ready.catch(() => {});
    return { process, ready };
  }

  /** Wait `ms`, or less when the schedule is stopped meanwhile. */
  private async _pause(ms: number): Promise<void> {
    const stopped = new Promise<void>((resolve) => {
      this._wake = resolve;
    });
    const timer = new AbortController();
    await Promise.race([delay(ms, undefined, { signal: timer.signal }).catch(() => {}), stopped]);
    timer.abort();
  }
}
