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

import type { BenchCase, CaseResult, Suite } from '../lib/harness.js';
import { postJson } from './client.js';
import { FanOutRounds } from './fan-out-round.js';

const SUBSCRIBERS = 1_000;
const BURST = 100;

const rounds = new FanOutRounds(SUBSCRIBERS);

let bareRound = 0;

const bareCase: BenchCase = {
  name: 'bare node:http SSE',
  note: `GET /events/:id → headers, retry:, started; on release, N × (format once, res.write to all ${SUBSCRIBERS.toLocaleString('en')}) in bursts of ${BURST}, then completed and res.end().`,
  run(n, _probe, clock) {
    const args = [JSON.stringify({ events: n, burst: BURST })];
    return rounds.round(this, { fixture: 'bare-sse-server', args }, n, clock, async () => {
      const taskId = `round-${++bareRound}`;
      return { taskId, path: `/events/${taskId}` };
    });
  },
};

const wardenCase: BenchCase = {
  name: 'Warden GET /tasks/:id/events',
  note: `POST /tasks {kind: "firehose"}; ${SUBSCRIBERS.toLocaleString('en')} × GET /tasks/:id/events; on release the task does ctx.emit('tick', i) N times in bursts of ${BURST}, then returns.`,
  run(n, _probe, clock) {
    return rounds.round(this, { fixture: 'warden-server' }, n, clock, async (connection) => {
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
    await rounds.servers.stopAll();
  },
  checks(results) {
    return [
      ...results.map((result: CaseResult) => ({
        label: result.name,
        pass: true,
        detail: rounds.rate(result),
      })),
      ...results.map((result) => rounds.deliveryCheck(result)),
    ];
  },
};

export default suite;
