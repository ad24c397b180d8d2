// A real `warden serve` on the embedded database (its default: PGlite, in a data directory) with
// 2,000 SSE streams open on one running task, each a raw HTTP/1.1 client on its own socket:
// while they are open, `/healthz` answers within 50 ms and the idle streams cost the server
// less than a tenth of a core (its CPU time read from /proc over a window); then the task is let
// go and completes normally (one attempt, no lease lost), and every stream gets `completed`.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { within } from '../helpers.js';
import { startWarden, tempDir } from './helpers.js';

const STREAMS = 2_000;
/** Streams being opened at once (a burst of 2,000 SYNs would overflow the listen backlog). */
const OPENING = 200;
const WINDOW_MS = 3_000;
const PROBE_EVERY_MS = 100;

/** One raw SSE client: what it has received so far. */
class RawStream {
  text = '';
  private _wanted: { needle: string; resolve: () => void } | undefined = undefined;

  constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.text += chunk;
      const wanted = this._wanted;
      if (wanted !== undefined && this.text.includes(wanted.needle)) {
        this._wanted = undefined;
        wanted.resolve();
      }
    });
    socket.on('error', () => {});
  }

  /** Resolves once the stream has received `needle`. */
  received(needle: string): Promise<void> {
    if (this.text.includes(needle)) return Promise.resolve();
    return new Promise((resolve) => {
      this._wanted = { needle, resolve };
    });
  }
}

/** Open a GET `path` on a socket of its own; resolves once it is connected and sent. */
async function openStream(host: string, port: number, path: string): Promise<RawStream> {
  const socket = connect({ host, port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve).once('error', reject);
  });
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nAccept: text/event-stream\r\n\r\n`,
  );
  return new RawStream(socket);
}

/** CPU time of process `pid` so far (user + system), ms, from /proc/<pid>/stat (Linux). */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name in parentheses: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks * 10; // USER_HZ is 100 on Linux
}

/** GET `path` on a keep-alive agent; resolves with the status and how long it took. */
function timedGet(agent: Agent, url: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

async function postJson(url: string, body: unknown): Promise<{ id: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return (await res.json()) as { id: string };
}

test('serve on the embedded database: 2,000 idle SSE streams on one running task', {
  skip: process.platform !== 'linux' && 'reads /proc',
  timeout: 180_000,
}, async (t) => {
  const dir = join(tempDir(t), 'data');
  const server = startWarden([
    'serve',
    '--data-dir',
    dir,
    '--port',
    '0',
    '--tasks',
    'test/cli/fixtures/fan-out-tasks.ts',
    '--json',
  ]);
  t.after(() => server.stop('SIGKILL'));
  const listening = JSON.parse(await server.line(/"event":"listening"/)) as { url: string };
  const base = new URL(listening.url);
  const origin = base.origin;
  const { id } = await postJson(`${origin}/tasks`, { kind: 'hold' });

  const opening = performance.now();
  const streams: RawStream[] = [];
  for (let from = 0; from < STREAMS; from += OPENING) {
    const wave = await Promise.all(
      Array.from({ length: Math.min(OPENING, STREAMS - from) }, () =>
        openStream(base.hostname, Number(base.port), `/tasks/${id}/events`),
      ),
    );
    await within(Promise.all(wave.map((stream) => stream.received('event: holding\n'))), {
      timeout: 60_000,
      what: `streams ${from}… to get the holding event`,
    });
    streams.push(...wave);
  }
  t.after(() => {
    for (const stream of streams) stream.socket.destroy();
  });
  const openedMs = performance.now() - opening;

  // The idle window: the server's CPU time across it, and /healthz asked every 100 ms.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  await timedGet(agent, `${origin}/healthz`); // the probe's connection, opened outside the window
  const probes: number[] = [];
  const cpuStart = cpuMsOf(server.pid);
  const start = performance.now();
  while (performance.now() - start < WINDOW_MS) {
    const probe = await timedGet(agent, `${origin}/healthz`);
    assert.equal(probe.status, 200);
    probes.push(probe.ms);
    const next = start + probes.length * PROBE_EVERY_MS - performance.now();
    if (next > 0) await new Promise((resolve) => setTimeout(resolve, next));
  }
  const windowMs = performance.now() - start;
  const cpuShare = (cpuMsOf(server.pid) - cpuStart) / windowMs;
  const sorted = [...probes].sort((a, b) => a - b);
  t.diagnostic(
    `${STREAMS} streams open in ${openedMs.toFixed(0)} ms; idle: server cpu ${(cpuShare * 100).toFixed(1)}% of a core over ${windowMs.toFixed(0)} ms; /healthz median ${sorted[sorted.length >> 1]?.toFixed(1)} ms, max ${sorted.at(-1)?.toFixed(1)} ms (${probes.length} probes)`,
  );
  assert.ok(cpuShare < 0.1, `idle streams cost ${(cpuShare * 100).toFixed(1)}% of a core`);
  assert.ok((sorted.at(-1) as number) < 50, `/healthz took up to ${sorted.at(-1)} ms`);

  // Let the task go: it completes on its first attempt, and every stream gets `completed`.
  await postJson(`${origin}/tasks`, { kind: 'release' });
  await within(Promise.all(streams.map((stream) => stream.received('event: completed\n'))), {
    timeout: 60_000,
    what: 'every stream to get completed',
  });
  const record = (await (await fetch(`${origin}/tasks/${id}`)).json()) as {
    status: string;
    attempts: number;
  };
  assert.equal(record.status, 'succeeded');
  assert.equal(record.attempts, 1, 'no lease lost: one attempt');
  for (const stream of [streams[0], streams.at(-1)] as RawStream[]) {
    assert.equal(stream.text.split('event: started\n').length - 1, 1, 'one started event');
  }
  assert.doesNotMatch(server.output(), /lease lost|LeaseLost|leases failed|reclaimed/i);
});
