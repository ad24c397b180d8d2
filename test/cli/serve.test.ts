// `warden serve` on the embedded database, end to end with real processes: it prints where it
// listens; `submit --wait`, `ls`, `events` and `cancel` talk to it; a task submitted with fetch
// shows up everywhere; SIGINT shuts it down with exit code 0, promptly.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CoordinatorTaskInfo, TaskEvent } from '../../src/index.js';
import { runWarden, startWarden, tempDir, type WardenProcess } from './helpers.js';

function jsonLines<T>(text: string): T[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

async function serve(dir: string, extra: string[] = []): Promise<{ server: WardenProcess }> {
  const server = startWarden([
    'serve',
    '--data-dir',
    dir,
    '--port',
    '0',
    '--tasks',
    'examples/tasks.ts',
    ...extra,
  ]);
  return { server };
}

test('serve: submit --wait, fetch, ls, events, cancel; SIGINT exits 0 promptly', {
  timeout: 120_000,
}, async (t) => {
  const dir = join(tempDir(t), 'data');
  const { server } = await serve(dir);
  t.after(() => server.stop('SIGKILL'));
  const line = await server.line(/^Warden dashboard: /);
  const url = (/^Warden dashboard: (http:\/\/127\.0\.0\.1:\d+)\/$/.exec(line) ?? [])[1];
  assert.ok(url, `a dashboard URL in ${JSON.stringify(line)}`);
  assert.ok(existsSync(join(dir, 'PG_VERSION')), 'PGlite keeps its data in --data-dir');

  // The dashboard is served where the line says.
  const dashboard = await fetch(`${url}/`);
  assert.equal(dashboard.status, 200);
  assert.match(dashboard.headers.get('content-type') ?? '', /text\/html/);

  // submit --wait follows the task to its end and exits 0.
  const waited = await runWarden([
    'submit',
    'countdown',
    '{"from": 3, "intervalMs": 20}',
    '--wait',
    '--url',
    url,
  ]);
  assert.equal(waited.code, 0, waited.stderr);
  // The record POST /tasks answered with: queued, or running if a worker took it at once.
  const [queuedLine, doneLine] = waited.stdout.trim().split('\n');
  const id = (/^Task (\S+) \(countdown\) (?:queued|running)$/.exec(queuedLine ?? '') ?? [])[1];
  assert.ok(id, waited.stdout);
  assert.equal(doneLine, 'completed: {"counted":3}');

  // --wait --json: the record, then every event, one JSON value per line; failed exits 1.
  const failed = await runWarden([
    'submit',
    'fail',
    '{"afterMs": 10, "message": "as planned"}',
    '--wait',
    '--json',
    '--url',
    url,
  ]);
  assert.equal(failed.code, 1, failed.stderr);
  const [record, ...events] = jsonLines<CoordinatorTaskInfo & TaskEvent>(failed.stdout);
  assert.equal(record?.kind, 'fail');
  assert.deepEqual(
    events.map((event) => event.type),
    ['started', 'about-to-fail', 'failed'],
  );
  assert.deepEqual(
    events.map((event) => event.seq),
    [1, 2, 3],
  );
  assert.equal(
    (events.at(-1)?.data as { error?: { message?: string } } | undefined)?.error?.message,
    'as planned',
  );

  // A task started with fetch.
  const response = await fetch(`${url}/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'long-running', input: { intervalMs: 50 } }),
  });
  assert.equal(response.status, 201);
  const longRunning = (await response.json()) as CoordinatorTaskInfo;

  // `events` streams it; `cancel` (once a heartbeat shows it running) ends it.
  const following = startWarden(['events', longRunning.id, '--url', url]);
  const eventsJson = runWarden(['events', longRunning.id, '--url', url, '--json']);
  await following.line(/heartbeat/);
  const cancelled = await runWarden([
    'cancel',
    longRunning.id,
    '--reason',
    'test is done',
    '--url',
    url,
  ]);
  assert.equal(cancelled.code, 0, cancelled.stderr);
  assert.match(cancelled.stdout, new RegExp(`(Cancelled|Cancelling) task ${longRunning.id}`));
  assert.equal((await following.exited).code, 0, following.output());
  const lines = following.stdout().trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^ {2}1 {2}\d\d:\d\d:\d\d\.\d{3} {2}started {2}\{"attempt":1\}$/);
  assert.match(lines[1] ?? '', /heartbeat/);
  assert.match(
    lines.at(-1) ?? '',
    /cancelled {2}\{"reason":\{"kind":"requested","message":"test is done"\}\}$/,
  );
  const streamed = jsonLines<TaskEvent>((await eventsJson).stdout);
  assert.deepEqual(
    streamed.map((event) => event.seq),
    streamed.map((_, i) => i + 1),
  );
  assert.equal(streamed.at(-1)?.type, 'cancelled');

  // Cancelling again changes nothing, and says so; an unknown id is the server's 404.
  const again = await runWarden(['cancel', longRunning.id, '--url', url]);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /was not cancelled: it is already cancelled/);
  const unknown = await runWarden(['cancel', 'no-such-task', '--url', url]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^warden cancel: WARDEN_ERR_UNKNOWN_TASK: /);
  const unknownKind = await runWarden(['submit', 'no-such-kind', '--url', url]);
  assert.equal(unknownKind.code, 1);
  assert.match(unknownKind.stderr, /WARDEN_ERR_UNKNOWN_TASK_TYPE: /);

  // ls: a table of all four, newest first; --json parses; filters reach the server.
  const listed = await runWarden(['ls', '--url', url]);
  assert.equal(listed.code, 0, listed.stderr);
  const [header, ...rows] = listed.stdout.trim().split('\n');
  assert.match(header ?? '', /^ID +KIND +STATUS +CREATED +RAN +RESULT \/ PROGRESS$/);
  assert.equal(rows.length, 3);
  assert.match(
    rows[0] ?? '',
    new RegExp(`^${longRunning.id} +long-running +cancelled .*test is done$`),
  );
  assert.match(rows[2] ?? '', new RegExp(`^${id} +countdown +succeeded .*\\{"counted":3\\}$`));
  const page = JSON.parse(
    (await runWarden(['ls', '--json', '--status', 'succeeded,failed', '--url', url])).stdout,
  ) as { tasks: CoordinatorTaskInfo[]; nextCursor: string | null };
  assert.deepEqual(
    page.tasks.map((task) => task.status),
    ['failed', 'succeeded'],
  );
  const limited = JSON.parse(
    (await runWarden(['ls', '--json', '--limit', '1', '--kind', 'countdown', '--url', url])).stdout,
  ) as { tasks: CoordinatorTaskInfo[] };
  assert.deepEqual(
    limited.tasks.map((task) => task.id),
    [id],
  );

  // SIGINT: a graceful shutdown, exit code 0, promptly.
  const stopping = Date.now();
  const { code, signal } = await server.stop('SIGINT');
  assert.equal(signal, null, server.output());
  assert.equal(code, 0, server.output());
  assert.ok(Date.now() - stopping < 10_000, `took ${Date.now() - stopping} ms to stop`);
  assert.ok(!existsSync(join(dir, 'warden.lock')), 'the data directory lock is released');
});

test('serve --json --token: a listening event, the token required and sent; a second serve on the directory is refused; SIGTERM exits 0', {
  timeout: 90_000,
}, async (t) => {
  const dir = join(tempDir(t), 'data');
  const { server } = await serve(dir, ['--json', '--concurrency', '2', '--token', 's3cret']);
  t.after(() => server.stop('SIGKILL'));
  const event = JSON.parse(await server.line(/^\{/)) as Record<string, unknown>;
  assert.equal(event.event, 'listening');
  assert.match(String(event.url), /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.deepEqual(event.kinds, ['countdown', 'fetch-url', 'fail', 'long-running']);
  assert.equal(event.concurrency, 2);
  assert.equal(event.pid, server.pid);
  const url = String(event.url);
  const health = await fetch(`${url}healthz`);
  assert.equal(health.status, 200);

  // The token guards the API; the client commands send it (--token, WARDEN_TOKEN), the event
  // stream included.
  const refused = await runWarden(['ls', '--url', url]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^warden ls: WARDEN_ERR_UNAUTHORIZED: /);
  const waited = await runWarden([
    'submit',
    'countdown',
    '{"from": 1, "intervalMs": 1}',
    '--wait',
    '--token',
    's3cret',
    '--url',
    url,
  ]);
  assert.equal(waited.code, 0, waited.stderr);
  assert.match(waited.stdout, /completed: \{"counted":1\}\n$/);
  const listed = await runWarden(['ls', '--json'], {
    env: { WARDEN_URL: url, WARDEN_TOKEN: 's3cret' },
  });
  assert.equal(listed.code, 0, listed.stderr);
  assert.equal((JSON.parse(listed.stdout) as { tasks: unknown[] }).tasks.length, 1);

  const second = await runWarden(['serve', '--data-dir', dir, '--port', '0', '--json']);
  assert.equal(second.code, 1);
  const error = JSON.parse(second.stderr.trim().split('\n').at(-1) ?? '') as {
    error: { code: string; message: string };
  };
  assert.equal(error.error.code, 'WARDEN_ERR_DATABASE_UNAVAILABLE');
  assert.match(error.error.message, new RegExp(`process ${server.pid} is using it`));

  const { code } = await server.stop('SIGTERM');
  assert.equal(code, 0, server.output());
});
