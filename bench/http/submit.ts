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

function perSecond(result: CaseResult): string {
  return `${Math.round(result.n / (median(result.roundsMs) / 1000)).toLocaleString('en')} tasks/s`;
}

const N = 5_000;

const suite: Suite = {
  name: 'http/submit',
  title: `${CLIENTS} HTTP clients submit N trivial tasks and wait for each (server in a child process)`,
  n: N,
  cases: [bareCase, followCase, submitCase],
  notes: [
    `Clients: ${CLIENTS} loops in the benchmark process, each on its own keep-alive connection (raw HTTP/1.1 over node:net, as wrk and autocannon do: a node:http client request costs about as much CPU as the bare server spends answering it). Each server is a child process (node --import tsx fixtures/<server>.ts), started once per case and kept across its rounds.`,
    'cpu ms, gc ms, retained: the benchmark (client) process. The server process measures itself over each round (CPU time and event-loop use; RSS and heapUsed sampled every 10 ms, no GC while it runs): below, the medians and the largest samples of the timed rounds. A server event loop near 100% busy means the server set the pace.',
    'Every response is checked as it comes (201; a stream whose last event is completed): a wrong one stops the suite. Warden keeps the last 10,000 finished tasks (its default), so its heap fills over the warm-up and memory runs and then stays level.',
  ],
  async teardown() {
    await servers.stopAll();
  },
  checks(results): Check[] {
    return results.map((result) => ({
      label: result.name,
      pass: true,
      detail: `${perSecond(result)}; client cpu ${result.cpuMs.toFixed(0)} ms; ${describeServer(servers.timed(result))}`,
    }));
  },
};

export default suite;
