// SSE fan-out over HTTP: 1,000 clients each hold one task's event stream open while the task
// emits N events (in bursts of 100, yielding to the event loop between bursts, as a task doing
// real work would); timed from the release of the event source until every client has read its
// stream to the end. Reported: delivered events per second (N × 1,000 / time) and the server's
// peak memory (RSS and heapUsed, sampled in the server process during each round).
//
// The server runs in a child process (fixtures/), the 1,000 clients in this process (a
// keep-alive connection each, raw HTTP/1.1: raw-connection.ts), so each side has a core of its
// own on a 2-core machine.
// Every client is connected and has read the stream's first event before the source is
// released; connecting is not timed.
//
// The floor is a bare node:http SSE server that formats each event once and writes it to all
// 1,000 responses, in Warden's wire format (`id`, `event`, `data` lines), with no replay, no
// per-client queue and no backpressure. Warden serves GET /tasks/:id/events from a coordinator
// subscription per client: a bounded queue, replay from history, and a write that waits for the
// socket before the next event is pulled.

import type { BenchCase, CaseResult, Check, Clock, Suite } from '../lib/harness.js';
import { median } from '../lib/stats.js';
import { CaseServers, describeServer } from './case-servers.js';
import { postJson, readEventStream } from './client.js';
import type { RawConnection } from './raw-connection.js';

const SUBSCRIBERS = 1_000;
const BURST = 100;
/** Frames in a stream besides the N ticks (and keep-alive comments): retry, started, completed. */
const FRAMING = 3;

const servers = new CaseServers();

/** What the clients of one case got, over all its rounds. */
interface Delivery {
  rounds: number;
  /** Streams with other than N + 3 frames (comments aside), or not ending with `completed`. */
  incomplete: number;
  /** How many streams ended each other way, by a description like `overflow after 1002 frames`. */
  endings: Map<string, number>;
}
const deliveries = new Map<string, Delivery>();

/**
 * One round: set the source up with `open` (on the first connection), have every client open
 * the stream at the path it returns and wait until each has the stream's first event, then
 * release the source and time until every stream has ended.
 */
async function round(
  benchCase: BenchCase,
  spec: { fixture: string; args?: readonly string[] },
  n: number,
  clock: Clock,
  open: (connection: RawConnection) => Promise<{ taskId: string; path: string }>,
): Promise<number> {
  const server = await servers.get(benchCase.name, { ...spec, connections: SUBSCRIBERS });
  const { taskId, path } = await open(server.connections[0] as RawConnection);
  await server.process.roundStart();
  const streams = server.connections.map((connection) => readEventStream(connection, path, 2));
  await Promise.all(streams.map((stream) => stream.ready));
  const watch = clock.start();
  await server.process.release(taskId);
  const tallies = await Promise.all(streams.map((stream) => stream.ended));
  const ms = watch.elapsed();
  servers.record(benchCase.name, await server.process.roundEnd());

  const delivery = deliveries.get(benchCase.name) ?? {
    rounds: 0,
    incomplete: 0,
    endings: new Map<string, number>(),
  };
  deliveries.set(benchCase.name, delivery);
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

let bareRound = 0;

const bareCase: BenchCase = {
  name: 'bare node:http SSE',
  note: `GET /events/:id → headers, retry:, started; on release, N × (format once, res.write to all ${SUBSCRIBERS.toLocaleString('en')}) in bursts of ${BURST}, then completed and res.end().`,
  run(n, _probe, clock) {
    const args = [JSON.stringify({ events: n, burst: BURST })];
    return round(this, { fixture: 'bare-sse-server', args }, n, clock, async () => {
      const taskId = `round-${++bareRound}`;
      return { taskId, path: `/events/${taskId}` };
    });
  },
};

const wardenCase: BenchCase = {
  name: 'Warden GET /tasks/:id/events',
  note: `POST /tasks {kind: "firehose"}; ${SUBSCRIBERS.toLocaleString('en')} × GET /tasks/:id/events; on release the task does ctx.emit('tick', i) N times in bursts of ${BURST}, then returns.`,
  run(n, _probe, clock) {
    return round(this, { fixture: 'warden-server' }, n, clock, async (connection) => {
      const input = { events: n, burst: BURST };
      const response = await postJson(
        connection,
        '/tasks',
        JSON.stringify({ kind: 'firehose', input }),
      );
      if (response.status !== 201) {
        throw new Error(`POST /tasks answered ${response.status}: ${response.text.slice(0, 300)}`);
      }
      const { id } = JSON.parse(response.text) as { id: string };
      return { taskId: id, path: `/tasks/${id}/events` };
    });
  },
};

function rate(result: CaseResult): string {
  const perSecond = (result.n * SUBSCRIBERS) / (median(result.roundsMs) / 1000);
  return `${(perSecond / 1e6).toFixed(2)} M events/s delivered; client cpu ${result.cpuMs.toFixed(0)} ms; ${describeServer(servers.timed(result))}`;
}

function deliveryCheck(result: CaseResult): Check {
  const delivery = deliveries.get(result.name);
  const streams = (delivery?.rounds ?? 0) * SUBSCRIBERS;
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

const N = 1_000;

const suite: Suite = {
  name: 'http/sse-fan-out',
  title: `one task emits N events to ${SUBSCRIBERS.toLocaleString('en')} SSE clients (bursts of ${BURST}; server in a child process)`,
  n: N,
  cases: [bareCase, wardenCase],
  notes: [
    `N is at most 1,000 events (1,000 at --scale=1) to stay within Warden's defaults whatever the clients' pace: a task's history holds 1,000 events, and a stream's queue 1,000 before its client is cut off with overflow. At N = 1,000 a round delivers ${(N * SUBSCRIBERS).toLocaleString('en')} events, about ${Math.round((N * SUBSCRIBERS * 150) / 1e6)} MB of frames.`,
    `Clients: ${SUBSCRIBERS.toLocaleString('en')} streams from the benchmark process, each on its own keep-alive connection (raw HTTP/1.1 over node:net), parsed minimally (frames counted by their blank line; the last one's event type read). Each server is a child process, started once per case and kept across its rounds, with the same connections.`,
    'cpu ms, gc ms, retained: the benchmark (client) process. The server process measures itself over each round (CPU time and event-loop use over the timed span; RSS and heapUsed sampled every 10 ms from before the clients open their streams, no GC while it runs): below, the medians and the largest samples of the timed rounds. A server event loop near 100% busy means the server set the pace.',
  ],
  async teardown() {
    await servers.stopAll();
  },
  checks(results): Check[] {
    return [
      ...results.map((result) => ({ label: result.name, pass: true, detail: rate(result) })),
      ...results.map(deliveryCheck),
    ];
  },
};

export default suite;
