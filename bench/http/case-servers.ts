// One server child per benchmark case, with the client connections to it, started on the
// case's first round (the warm-up, so the server's JIT is warm too) and stopped in the suite's
// teardown; plus what each child measured of itself per round, summarised for the lines under a
// suite's table.

import type { CaseResult } from '../lib/harness.js';
import { median } from '../lib/stats.js';
import { openConnections } from './client.js';
import type { RoundStats } from './protocol.js';
import type { RawConnection } from './raw-connection.js';
import { ServerProcess } from './server-process.js';

/** A case's server child and its clients' keep-alive connections to it. */
export interface CaseServer {
  readonly process: ServerProcess;
  readonly connections: readonly RawConnection[];
}

/** How to start a case's server. */
export interface CaseServerSpec {
  /** `fixtures/<fixture>.ts`. */
  readonly fixture: string;
  /** Its command-line arguments. */
  readonly args?: readonly string[];
  /** Client connections to open to it. */
  readonly connections: number;
}

/** The server children of one suite, by case name. */
export class CaseServers {
  private readonly _servers = new Map<string, Promise<CaseServer>>();
  private readonly _stats = new Map<string, RoundStats[]>();

  /** The server of `caseName`, started on first use. */
  get(caseName: string, spec: CaseServerSpec): Promise<CaseServer> {
    let server = this._servers.get(caseName);
    if (server === undefined) {
      server = (async () => {
        const child = await ServerProcess.start(spec.fixture, ...(spec.args ?? []));
        try {
          const connections = await openConnections(child.url, spec.connections);
          return { process: child, connections };
        } catch (error) {
          await child.stop();
          throw error;
        }
      })();
      this._servers.set(caseName, server);
    }
    return server;
  }

  /** Keep what the server measured over one round of `caseName`. */
  record(caseName: string, stats: RoundStats): void {
    let list = this._stats.get(caseName);
    if (list === undefined) {
      list = [];
      this._stats.set(caseName, list);
    }
    list.push(stats);
  }

  /** The stats of the timed rounds of `result` (its last rounds: warm-up and memory run first). */
  timed(result: CaseResult): RoundStats[] {
    return (this._stats.get(result.name) ?? []).slice(-result.roundsMs.length);
  }

  /** Close every connection and stop every server child. */
  async stopAll(): Promise<void> {
    const servers = [...this._servers.values()];
    this._servers.clear();
    await Promise.all(
      servers.map(async (pending) => {
        let server: CaseServer;
        try {
          server = await pending;
        } catch {
          return; // It never started: its start already failed the suite with the reason.
        }
        for (const connection of server.connections) connection.close();
        await server.process.stop();
      }),
    );
  }
}

/** `12.3 MB`. */
export function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * One line on the server process over the timed rounds: median CPU and event-loop busy share,
 * and the largest RSS and heapUsed sampled, with where they started (after a GC) for scale.
 */
export function describeServer(stats: readonly RoundStats[]): string {
  if (stats.length === 0) return 'server not measured';
  const cpu = median(stats.map((round) => round.cpuMs));
  const busy = median(stats.map((round) => round.loopBusy));
  const peakRss = Math.max(...stats.map((round) => round.peakRss));
  const peakHeap = Math.max(...stats.map((round) => round.peakHeapUsed));
  const rssBefore = Math.min(...stats.map((round) => round.rssBefore));
  const heapBefore = Math.min(...stats.map((round) => round.heapBefore));
  return `server cpu ${cpu.toFixed(0)} ms, event loop busy ${(busy * 100).toFixed(0)}%; server peak RSS ${megabytes(peakRss)} (${megabytes(rssBefore)} at the start), peak heapUsed ${megabytes(peakHeap)} (${megabytes(heapBefore)} after GC at the start)`;
}
