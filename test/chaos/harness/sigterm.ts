// The SIGTERM cases: 100 running tasks of kind `hold` (they run until cancelled) followed by 100
// live SSE clients, then SIGTERM of `warden serve` (on PGlite or on a server), or of a
// `warden worker` whose tasks an API-only `warden serve` streams. What a graceful shutdown owes:
// exit code 0, and every stream's last event is `shutdown` or the task's own terminal event,
// exactly once, after which the server ends the response.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WardenProcess } from '../../cli/helpers.js';
import { within } from '../../helpers.js';
import { toCleanUp } from './cleanup.js';
import { createDatabase, type RunDatabase, serverSql } from './database.js';
import { pollUntil } from './outcomes.js';
import { CHAOS_TASKS, ProcessGroup } from './process-group.js';
import { keepOrRemove, makeRunLogDir } from './run-log.js';
import { openSse, type SseStream } from './sse-client.js';

const FINAL = new Set(['shutdown', 'completed', 'failed', 'cancelled']);
/** The serve's shutdown deadline is 25 s; past this the exit is overdue. */
const EXIT_BOUND_MS = 40_000;

/** The figures of one SIGTERM case. */
export interface SigtermResult {
  readonly name: string;
  readonly tasks: number;
  /** The exit of the process that got SIGTERM (and, for the worker case, of the API server). */
  readonly exits: ReadonlyArray<{
    readonly who: string;
    readonly code: number | null;
    readonly ms: number;
  }>;
  /** Streams whose last event is `shutdown` or terminal, seen exactly once, then ended. */
  readonly streamsOk: number;
  /** How many streams ended on each last event type (`none`: no final event). */
  readonly lastEvents: Readonly<Record<string, number>>;
  /** Streams with more than one final event. */
  readonly duplicateFinals: number;
  /** Streams the server cut without ending the response. */
  readonly aborted: number;
  /** Worker case: tasks back in the queue after the worker's SIGTERM, and streams that ended then. */
  readonly handedBack?: number;
  readonly endedEarly?: number;
}

/** How each stream ended, counted. */
function judge(streams: readonly SseStream[], ends: ReadonlyArray<'end' | 'aborted'>) {
  const lastEvents: Record<string, number> = {};
  let streamsOk = 0;
  let duplicateFinals = 0;
  streams.forEach((stream, i) => {
    const finals = stream.frames.filter((frame) => FINAL.has(frame.event));
    const last = stream.frames.at(-1);
    const kind = last !== undefined && FINAL.has(last.event) ? last.event : 'none';
    lastEvents[kind] = (lastEvents[kind] ?? 0) + 1;
    if (finals.length > 1) duplicateFinals++;
    if (finals.length === 1 && kind !== 'none' && ends[i] === 'end') streamsOk++;
  });
  return {
    streamsOk,
    lastEvents,
    duplicateFinals,
    aborted: ends.filter((end) => end === 'aborted').length,
  };
}

/** Submit `count` hold tasks to `url` and follow each over SSE until it has started. */
async function holdAndFollow(url: string, count: number, attempt = 1): Promise<SseStream[]> {
  const ids = Array.from({ length: count }, (_, i) => `hold-${i}`);
  for (const id of ids) {
    const response = await fetch(`${url}/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'hold', id }),
    });
    if (response.status !== 201)
      throw new Error(`POST /tasks: ${response.status} ${await response.text()}`);
  }
  const streams = await Promise.all(ids.map((id) => openSse(`${url}/tasks/${id}/events`)));
  await Promise.all(streams.map((stream) => startedTimes(stream, attempt)));
  return streams;
}

/** Resolves once the stream has shown `n` `started` events. */
function startedTimes(stream: SseStream, n: number): Promise<unknown> {
  let seen = 0;
  return stream.next((frame) => frame.event === 'started' && ++seen >= n, 90_000);
}

async function sigterm(who: string, process: WardenProcess) {
  const sent = Date.now();
  const { code } = await within(process.stop('SIGTERM'), {
    timeout: EXIT_BOUND_MS,
    what: `${who} to exit`,
  });
  return { who, code, ms: Date.now() - sent };
}

async function listening(process: WardenProcess): Promise<string> {
  const line = await process.line(/"event":"listening"/);
  return (JSON.parse(line) as { url: string }).url.replace(/\/$/, '');
}

const SERVE = ['serve', '--tasks', CHAOS_TASKS, '--port', '0', '--json'];

/** SIGTERM of `warden serve` with `count` running tasks and their streams. */
export async function serveCase(engine: 'pglite' | 'server', count = 100): Promise<SigtermResult> {
  const undo: Array<() => Promise<void>> = [];
  try {
    const log = makeRunLogDir();
    undo.push(toCleanUp(() => keepOrRemove(log)));
    const dataDir = mkdtempSync(join(tmpdir(), 'warden-chaos-sigterm-'));
    undo.push(toCleanUp(() => rmSync(dataDir, { recursive: true, force: true })));
    let database: RunDatabase | undefined;
    if (engine === 'server') {
      database = await createDatabase();
      undo.push(toCleanUp(database.drop));
    }
    const group = new ProcessGroup({ CHAOS_RUN_LOG: log.dir });
    undo.push(toCleanUp(() => group.killAll()));
    const where = database === undefined ? ['--data-dir', dataDir] : ['--database', database.url];
    const serve = group.start([...SERVE, ...where, '--concurrency', String(count)]);
    const streams = await holdAndFollow(await listening(serve), count);
    const exit = await sigterm('serve', serve);
    const ends = await within(Promise.all(streams.map((stream) => stream.closed)), {
      timeout: 10_000,
      what: 'every stream to close after the exit',
    });
    return {
      name: `SIGTERM serve (${engine}), ${count} tasks + SSE`,
      tasks: count,
      exits: [exit],
      ...judge(streams, ends),
    };
  } finally {
    for (const step of undo.reverse()) await step();
  }
}

/**
 * SIGTERM of a `warden worker` running `count` tasks that an API-only serve streams: the worker
 * exits 0 and hands them back (queued again, no stream ends); a second worker runs them again
 * (each stream shows a second `started`); then SIGTERM of the serve ends every stream.
 */
export async function workerCase(count = 100): Promise<SigtermResult> {
  const undo: Array<() => Promise<void>> = [];
  try {
    const log = makeRunLogDir();
    undo.push(toCleanUp(() => keepOrRemove(log)));
    const database = await createDatabase();
    undo.push(toCleanUp(database.drop));
    const sql = serverSql(database.url);
    undo.push(toCleanUp(sql.close));
    const group = new ProcessGroup({ CHAOS_RUN_LOG: log.dir });
    undo.push(toCleanUp(() => group.killAll()));
    const serve = group.start([...SERVE, '--database', database.url, '--concurrency', '0']);
    const url = await listening(serve);
    const worker = () =>
      group.start([
        'worker',
        '--tasks',
        CHAOS_TASKS,
        '--database',
        database.url,
        '--concurrency',
        String(count),
        '--json',
      ]);
    const first = worker();
    await first.line(/"event":"ready"/);
    const streams = await holdAndFollow(url, count);
    const workerExit = await sigterm('worker', first);
    let handedBack = 0;
    await pollUntil(async () => {
      const [row] = await sql.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM warden.jobs WHERE state = 'queued' AND locked_by IS NULL`,
      );
      handedBack = row?.n ?? 0;
      return handedBack === count;
    }, 10_000);
    const second = worker();
    await second.line(/"event":"ready"/);
    await Promise.all(streams.map((stream) => startedTimes(stream, 2)));
    const endedEarly = streams.filter((stream) =>
      stream.frames.some((frame) => FINAL.has(frame.event)),
    ).length;
    const serveExit = await sigterm('serve', serve);
    const ends = await within(Promise.all(streams.map((stream) => stream.closed)), {
      timeout: 10_000,
      what: 'every stream to close after the exit',
    });
    const secondExit = await sigterm('worker 2', second);
    return {
      name: `SIGTERM worker, ${count} tasks + SSE via API serve`,
      tasks: count,
      exits: [workerExit, serveExit, secondExit],
      handedBack,
      endedEarly,
      ...judge(streams, ends),
    };
  } finally {
    for (const step of undo.reverse()) await step();
  }
}
