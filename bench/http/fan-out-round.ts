// What the SSE fan-out suites share: one round (set the source up, open every client's stream,
// optionally watch the idle streams for a while, release the source, time until every stream
// has ended), the tally of how the streams ended, and the lines printed under a suite's table.
//
// The idle window (the durable suite's): with every stream open and the task waiting, the
// server's CPU time is read before and after, and `/healthz` is asked every 100 ms on a
// connection of its own: what idle streams cost, and whether the service still answers.

import type { BenchCase, CaseResult, Check, Clock } from '../lib/harness.js';
import { median } from '../lib/stats.js';
import { CaseServers, describeServer } from './case-servers.js';
import { readEventStream } from './client.js';
import type { RawConnection } from './raw-connection.js';

/** Frames in a stream besides the N ticks (and keep-alive comments): retry, started, completed. */
const FRAMING = 3;
/** Milliseconds between `/healthz` probes in the idle window. */
const PROBE_INTERVAL_MS = 100;

/** What the clients of one case got, over all its rounds. */
interface Delivery {
  rounds: number;
  /** Streams with other than N + 3 frames (comments aside), or not ending with `completed`. */
  incomplete: number;
  /** How many streams ended each other way, by a description like `overflow after 1002 frames`. */
  endings: Map<string, number>;
}

/** One idle window: the server's CPU share and the `/healthz` latencies, ms. */
interface IdleWindow {
  cpuShare: number;
  probesMs: number[];
}

/** The source a round's clients follow. */
export interface RoundSource {
  readonly taskId: string;
  /** The path every client GETs. */
  readonly path: string;
}

/** How to start a case's server: `fixtures/<fixture>.ts` with `args`. */
export interface FixtureSpec {
  readonly fixture: string;
  readonly args?: readonly string[];
}

/** The rounds of one fan-out suite: its servers, and what every case's clients got. */
export class FanOutRounds {
  readonly servers = new CaseServers();
  private readonly _deliveries = new Map<string, Delivery>();
  private readonly _idle = new Map<string, IdleWindow[]>();

  /**
   * `subscribers` streams per round; `idleWindowMs` (0: none) of idle streams watched before
   * each release.
   */
  constructor(
    readonly subscribers: number,
    private readonly _idleWindowMs = 0,
  ) {}

  /**
   * One round: set the source up with `open` (on the first connection), have every client open
   * the stream at the path it returns and wait until each has the stream's first event, watch
   * the idle window, then release the source and time until every stream has ended.
   */
  async round(
    benchCase: BenchCase,
    spec: FixtureSpec,
    n: number,
    clock: Clock,
    open: (connection: RawConnection) => Promise<RoundSource>,
  ): Promise<number> {
    const server = await this.servers.get(benchCase.name, {
      ...spec,
      // One more than the streams when there is an idle window: its probes' own connection.
      connections: this.subscribers + (this._idleWindowMs > 0 ? 1 : 0),
    });
    const connections = server.connections.slice(0, this.subscribers);
    const { taskId, path } = await open(connections[0] as RawConnection);
    await server.process.roundStart();
    const streams = connections.map((connection) => readEventStream(connection, path, 2));
    await Promise.all(streams.map((stream) => stream.ready));
    if (this._idleWindowMs > 0) {
      const probe = server.connections[this.subscribers] as RawConnection;
      const window = await this._watchIdle(server.process.cpuMs.bind(server.process), probe);
      const list = this._idle.get(benchCase.name) ?? [];
      list.push(window);
      this._idle.set(benchCase.name, list);
    }
    const watch = clock.start();
    await server.process.release(taskId);
    const tallies = await Promise.all(streams.map((stream) => stream.ended));
    const ms = watch.elapsed();
    this.servers.record(benchCase.name, await server.process.roundEnd());

    const delivery = this._deliveries.get(benchCase.name) ?? {
      rounds: 0,
      incomplete: 0,
      endings: new Map<string, number>(),
    };
    this._deliveries.set(benchCase.name, delivery);
    delivery.rounds++;
    for (const tally of tallies) {
      if (tally.frames - tally.comments !== n + FRAMING || tally.lastEvent !== 'completed') {
        delivery.incomplete++;
        const ending = `${tally.lastEvent ?? 'no event'} after ${tally.frames} frames`;
        delivery.endings.set(ending, (delivery.endings.get(ending) ?? 0) + 1);
      }
    }
    return ms;
  }

  /** The line of a result: delivered events per second, client CPU, and the server's figures. */
  rate(result: CaseResult): string {
    const perSecond = (result.n * this.subscribers) / (median(result.roundsMs) / 1000);
    return `${(perSecond / 1e6).toFixed(2)} M events/s delivered; client cpu ${result.cpuMs.toFixed(0)} ms; ${describeServer(this.servers.timed(result))}`;
  }

  /** The idle window of a result: median server CPU share and `/healthz` latencies. */
  idle(result: CaseResult): string {
    const windows = this._idle.get(result.name) ?? [];
    if (windows.length === 0) return 'idle streams not measured';
    const share = median(windows.map((window) => window.cpuShare));
    const probes = windows.flatMap((window) => window.probesMs);
    return `${this.subscribers.toLocaleString('en')} idle streams: server cpu ${(share * 100).toFixed(1)}% of a core; /healthz median ${median(probes).toFixed(1)} ms, max ${Math.max(...probes).toFixed(1)} ms (${probes.length} probes over ${windows.length} windows of ${this._idleWindowMs} ms)`;
  }

  /** Whether every stream of every round of `result` got every event, then `completed`. */
  deliveryCheck(result: CaseResult): Check {
    const delivery = this._deliveries.get(result.name);
    const streams = (delivery?.rounds ?? 0) * this.subscribers;
    const endings = [...(delivery?.endings ?? new Map<string, number>())]
      .map(([ending, count]) => `${ending} × ${count}`)
      .join(', ');
    return {
      label: `${result.name}: every client got every event, then completed`,
      pass: delivery !== undefined && delivery.incomplete === 0,
      detail:
        delivery === undefined
          ? 'not measured'
          : `${(streams - delivery.incomplete).toLocaleString('en')} of ${streams.toLocaleString('en')} streams complete (all rounds)${endings === '' ? '' : `; the others: ${endings}`}`,
    };
  }

  private async _watchIdle(
    cpuMs: () => Promise<number>,
    probe: RawConnection,
  ): Promise<IdleWindow> {
    const probesMs: number[] = [];
    const start = performance.now();
    const cpuStart = await cpuMs();
    const head = `GET /healthz HTTP/1.1\r\nHost: ${probe.host}\r\n\r\n`;
    while (performance.now() - start < this._idleWindowMs) {
      const sent = performance.now();
      await probe.request(head, undefined, () => {});
      probesMs.push(performance.now() - sent);
      const next = sent + PROBE_INTERVAL_MS - performance.now();
      if (next > 0) await new Promise((resolve) => setTimeout(resolve, next));
    }
    const cpuShare = ((await cpuMs()) - cpuStart) / (performance.now() - start);
    return { cpuShare, probesMs };
  }
}
