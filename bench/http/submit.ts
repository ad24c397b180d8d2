// HTTP submit-to-completion throughput: 50 concurrent clients (one keep-alive connection each)
// each loop "submit a trivial task, wait until it is done" until N tasks are done; timed from
// the first request until the last client is done. Reported: tasks per second.
//
// The server runs in a child process (fixtures/), so it has its own event loop and, on a
// 2-core machine, a core of its own; the clients run in this process, on raw-connection.ts (a
// node:http or fetch client would cost more CPU than the server and set the pace itself). The
// floor is a bare node:http server whose POST runs the same trivial async function and answers
// when it is done (no ids, no records, no events). Warden is measured twice: the realistic path
// (POST /tasks, then follow GET /tasks/:id/events to the terminal event) and POST /tasks alone
// (what submitting costs; the task runs, but nobody waits for it).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { BenchCase, CaseResult, Check, Clock, Suite } from '../lib/harness.js';
import { median } from '../lib/stats.js';
import { CaseServers, describeServer } from './case-servers.js';
import { postJson, readEventStream } from './client.js';
import type { RawConnection } from './raw-connection.js';

const CLIENTS = 50;
const servers = new CaseServers();

/**
 * One round: `CLIENTS` loops, each on its own connection, that run `task` for the next
 * unclaimed `i` until `n` are done, timed; the server measures itself over the same span.
 */
async function round(
  benchCase: BenchCase,
  fixture: string,
  n: number,
  clock: Clock,
  task: (connection: RawConnection, i: number) => Promise<void>,
): Promise<number> {
  const server = await servers.get(benchCase.name, { fixture, connections: CLIENTS });
  await server.process.roundStart();
  let claimed = 0;
  const client = async (connection: RawConnection): Promise<void> => {
    while (claimed < n) await task(connection, claimed++);
  };
  const watch = clock.start();
  await Promise.all(server.connections.map(client));
  const ms = watch.elapsed();
  servers.record(benchCase.name, await server.process.roundEnd());
  return ms;
}

/** POST /tasks; the response as JSON, or an error for any status but 201. */
async function submit(connection: RawConnection, json: string): Promise<{ id?: string }> {
  const response = await postJson(connection, '/tasks', json);
  if (response.status !== 201) {
    throw new Error(`POST /tasks answered ${response.status}: ${response.text.slice(0, 300)}`);
  }
  return JSON.parse(response.text) as { id?: string };
}

const bareCase: BenchCase = {
  name: 'bare node:http',
  note: 'POST /tasks {input} → JSON.parse, await the same trivial async function, 201 {result}.',
  run(n, _probe, clock) {
    return round(this, 'bare-submit-server', n, clock, async (connection, i) => {
      await submit(connection, `{"input":${i}}`);
    });
  },
};

const followCase: BenchCase = {
  name: 'Warden: POST + SSE to completion',
  note: 'POST /tasks {kind: "noop", input} → 201 record; then GET /tasks/:id/events on the same connection, read to its end (retry:, started, completed).',
  run(n, _probe, clock) {
    return round(this, 'warden-server', n, clock, async (connection, i) => {
      const { id } = await submit(connection, `{"kind":"noop","input":${i}}`);
      const tally = await readEventStream(connection, `/tasks/${id}/events`).ended;
      if (tally.status !== 200 || tally.lastEvent !== 'completed') {
        throw new Error(`task ${id}: ${tally.status}, last event ${tally.lastEvent}`);
      }
    });
  },
};

const submitCase: BenchCase = {
  name: 'Warden: POST only',
  note: 'POST /tasks {kind: "noop", input} → 201 with the task record; the next POST goes out as soon as it is answered.',
  run(n, _probe, clock) {
    return round(this, 'warden-server', n, clock, async (connection, i) => {
      await submit(connection, `{"kind":"noop","input":${i}}`);
    });
  },
};

const dataDir = mkdtempSync(join(tmpdir(), 'warden-bench-http-'));
const pgUrl = process.env.WARDEN_BENCH_PG ?? 'postgres://root@127.0.0.1:5432/test';
const pgSchema = `warden_bench_http_${process.pid}`;

/** POST only, to a Warden whose coordinator runs on a durable backend (`warden serve`'s setup). */
function durableCase(name: string, args: readonly string[], note: string): BenchCase {
  return {
    name,
    note,
    async run(n, _probe, clock) {
      const server = await servers.get(this.name, {
        fixture: 'warden-durable-server',
        args,
        connections: CLIENTS,
      });
      await server.process.roundStart();
      let claimed = 0;
      const latencies: number[] = [];
      const client = async (connection: RawConnection): Promise<void> => {
        while (claimed < n) {
          const i = claimed++;
          const sent = performance.now();
          await submit(connection, `{"kind":"noop","input":${i}}`);
          latencies.push(performance.now() - sent);
        }
      };
      const watch = clock.start();
      await Promise.all(server.connections.map(client));
      const ms = watch.elapsed();
      servers.record(this.name, await server.process.roundEnd());
      latencies.sort((x, y) => x - y);
      p99s.set(this.name, [
        ...(p99s.get(this.name) ?? []),
        latencies[Math.floor(latencies.length * 0.99)] ?? 0,
      ]);
      return ms;
    },
  };
}

/** Each durable case's p99 request latency per round, ms. */
const p99s = new Map<string, number[]>();

const embeddedCase = durableCase(
  'Warden serve, embedded: POST only',
  ['embedded', join(dataDir, 'data')],
  'As "Warden: POST only", over a PostgresBackend on PGlite in a fresh data directory (warden serve\'s default), workers at concurrency 10 running each task.',
);
const postgresCase = durableCase(
  'Warden serve, PostgreSQL: POST only',
  ['postgres', pgUrl, pgSchema],
  'As above, over a PostgresBackend on the local PostgreSQL server (WARDEN_BENCH_PG), its own schema.',
);

function perSecond(result: CaseResult): string {
  return `${Math.round(result.n / (median(result.roundsMs) / 1000)).toLocaleString('en')} tasks/s`;
}

const N = 5_000;

const suite: Suite = {
  name: 'http/submit',
  title: `${CLIENTS} HTTP clients submit N trivial tasks and wait for each (server in a child process)`,
  n: N,
  cases: [bareCase, followCase, submitCase, embeddedCase, postgresCase],
  notes: [
    `Clients: ${CLIENTS} loops in the benchmark process, each on its own keep-alive connection (raw HTTP/1.1 over node:net, as wrk and autocannon do: a node:http client request costs about as much CPU as the bare server spends answering it). Each server is a child process (node --import tsx fixtures/<server>.ts), started once per case and kept across its rounds.`,
    'cpu ms, gc ms, retained: the benchmark (client) process. The server process measures itself over each round (CPU time and event-loop use; RSS and heapUsed sampled every 10 ms, no GC while it runs): below, the medians and the largest samples of the timed rounds. A server event loop near 100% busy means the server set the pace.',
    'Every response is checked as it comes (201; a stream whose last event is completed): a wrong one stops the suite. Warden keeps the last 10,000 finished tasks (its default), so its heap fills over the warm-up and memory runs and then stays level.',
  ],
  async teardown() {
    await servers.stopAll();
    rmSync(dataDir, { recursive: true, force: true });
    await dropSchema(pgUrl, pgSchema);
  },
  checks(results): Check[] {
    const checks: Check[] = results.map((result) => ({
      label: result.name,
      pass: true,
      detail: `${perSecond(result)}; client cpu ${result.cpuMs.toFixed(0)} ms; ${describeServer(servers.timed(result))}`,
    }));
    const embedded = results.find((result) => result.name === embeddedCase.name);
    if (embedded !== undefined) {
      const rate = embedded.n / (median(embedded.roundsMs) / 1000);
      const p99 = median(p99s.get(embeddedCase.name) ?? [0]);
      checks.push({
        label: 'warden serve on the embedded database: ≥ 2,000 tasks/s, p99 ≤ 50 ms',
        pass: rate >= 2_000 && p99 <= 50,
        detail: `${Math.round(rate).toLocaleString('en')} tasks/s, p99 ${p99.toFixed(1)} ms (median of the rounds' p99)`,
      });
    }
    const postgres = p99s.get(postgresCase.name);
    if (postgres !== undefined) {
      checks.push({
        label: 'warden serve on PostgreSQL: request p99',
        pass: true,
        detail: `p99 ${median(postgres).toFixed(1)} ms (median of the rounds' p99)`,
      });
    }
    return checks;
  },
};

export default suite;

/** Drop the PostgreSQL case's schema (a missing server is not this suite's failure). */
async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } catch {
    // Nothing to drop.
  } finally {
    await client.end().catch(() => {});
  }
}
