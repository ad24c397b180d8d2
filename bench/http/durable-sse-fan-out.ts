// SSE fan-out on a durable backend, as `warden serve` runs it: 2,000 clients each hold one
// task's event stream open, first idle (the task waits), then while the task emits N events (in
// bursts of 100, yielding to the event loop between bursts). Two figures per case:
// - idle: with every stream open and nothing happening, the server's CPU share over a window,
//   and how long `/healthz` takes meanwhile (asked every 100 ms on a connection of its own);
// - delivery: from the release of the event source until every client has read its stream to
//   the end: delivered events per second (N × 2,000 / time), server CPU and peak memory.
//
// Cases: the bare node:http broadcast (the floor, as in http/sse-fan-out), and Warden's HTTP API
// over a coordinator that owns a PostgresBackend (what `warden serve` starts) on the embedded
// default (PGlite in a fresh directory) and on the PostgreSQL server (a fresh database). The
// server runs in a child process (fixtures/), the clients in this process (raw HTTP/1.1 over
// node:net, one keep-alive connection each), so each side has a core of its own on a 2-core
// machine. Connecting is not timed. To compare with code that cannot serve 2,000 streams:
// WARDEN_BENCH_SSE_CLIENTS sets another number of clients, and WARDEN_BENCH_SSE_CASES=<text>
// runs only the Warden cases whose name contains it (the bare baseline always runs).

import type { BenchCase, CaseResult, Suite } from '../lib/harness.js';
import { type BenchDatabase, createDatabase, serverUrl } from '../postgres/database.js';
import { postJson } from './client.js';
import { FanOutRounds } from './fan-out-round.js';
import type { RawConnection } from './raw-connection.js';

const SUBSCRIBERS = Number(process.env.WARDEN_BENCH_SSE_CLIENTS) || 2_000;
const BURST = 100;
const IDLE_WINDOW_MS = 3_000;

const rounds = new FanOutRounds(SUBSCRIBERS, IDLE_WINDOW_MS);
let database: BenchDatabase | undefined;

let bareRound = 0;

const bareCase: BenchCase = {
  name: 'bare node:http SSE',
  note: `GET /events/:id → headers, retry:, started; on release, N × (format once, res.write to all ${SUBSCRIBERS.toLocaleString('en')}) in bursts of ${BURST}, then completed and res.end(). /healthz is a 404 here.`,
  run(n, _probe, clock) {
    const args = [JSON.stringify({ events: n, burst: BURST })];
    return rounds.round(this, { fixture: 'bare-sse-server', args }, n, clock, async () => {
      const taskId = `round-${++bareRound}`;
      return { taskId, path: `/events/${taskId}` };
    });
  },
};

/** Submit a firehose task; every client follows it. */
async function firehose(connection: RawConnection, n: number) {
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
}

function wardenCase(name: string, target: () => string): BenchCase {
  return {
    name,
    note: `POST /tasks {kind: "firehose"}; ${SUBSCRIBERS.toLocaleString('en')} × GET /tasks/:id/events; on release the task does ctx.emit('tick', i) N times in bursts of ${BURST}, then returns.`,
    run(n, _probe, clock) {
      const args = [JSON.stringify({ database: target() })];
      return rounds.round(this, { fixture: 'warden-postgres-server', args }, n, clock, (c) =>
        firehose(c, n),
      );
    },
  };
}

const N = 1_000;

const suite: Suite = {
  name: 'http/durable-sse-fan-out',
  title: `one task on a durable backend emits N events to ${SUBSCRIBERS.toLocaleString('en')} SSE clients, after ${IDLE_WINDOW_MS / 1000} s of idle streams (server in a child process)`,
  n: N,
  cases: [
    bareCase,
    ...[
      wardenCase('Warden serve, embedded PGlite', () => 'pglite'),
      wardenCase('Warden serve, PostgreSQL', () => {
        if (database === undefined) throw new Error('no database: setup did not run');
        return database.url;
      }),
    ].filter((c) => c.name.includes(process.env.WARDEN_BENCH_SSE_CASES ?? '')),
  ],
  notes: [
    `Streams per round: ${SUBSCRIBERS.toLocaleString('en')}, opened before the idle window (not timed); the server is started once per case and kept across its rounds. PostgreSQL: ${new URL(serverUrl).host}, a fresh database.`,
    'cpu ms, gc ms, retained: the benchmark (client) process. Server figures: CPU time and event-loop use over the timed span, RSS and heapUsed sampled every 10 ms (medians and largest samples of the timed rounds).',
  ],
  async setup() {
    database = await createDatabase('sse_fan_out');
  },
  async teardown() {
    await rounds.servers.stopAll();
    await database?.drop();
  },
  checks(results) {
    return [
      ...results.map((result: CaseResult) => ({
        label: result.name,
        pass: true,
        detail: `${rounds.rate(result)}; ${rounds.idle(result)}`,
      })),
      ...results.map((result) => rounds.deliveryCheck(result)),
    ];
  },
};

export default suite;
