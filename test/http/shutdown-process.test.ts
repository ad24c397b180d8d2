// A real server process with an event stream open and a task running gets SIGTERM: the client
// gets its final event, and the process exits 0, quickly (well inside its 20 s deadline).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { within } from '../helpers.js';
import { postJson, sseItems } from './helpers.js';

const script = fileURLToPath(new URL('./fixtures/sse-server.ts', import.meta.url));

test('SIGTERM ends the open event stream with its final event and exits 0 quickly', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await within(
    new Promise<string>((resolve) => {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        const match = /^URL (\S+)$/m.exec(stdout);
        if (match?.[1] !== undefined) resolve(match[1]);
      });
    }),
    { timeout: 30_000, what: 'the server to listen' },
  );
  assert.equal((await postJson(`${url}/tasks`, { kind: 'work', id: 'w' })).status, 201);
  const res = await fetch(`${url}/tasks/w/events`);
  let signalledAt = 0;
  const reading = (async () => {
    const events: Array<{ event: string; data: { data: unknown } }> = [];
    for await (const item of sseItems(res.body as ReadableStream<Uint8Array>)) {
      if (item.kind !== 'event') continue;
      events.push({ event: item.event, data: JSON.parse(item.data) });
      // The stream is live and the task runs: now the signal.
      if (item.event === 'working') {
        signalledAt = performance.now();
        child.kill('SIGTERM');
      }
    }
    return events;
  })();
  const events = await within(reading, { timeout: 20_000, what: 'the stream to end' });
  const code = await within(exited, { timeout: 20_000, what: 'the process to exit' });
  const elapsed = performance.now() - signalledAt;
  assert.equal(code, 0, stderr);
  assert.deepEqual(
    events.map((event) => event.event),
    ['started', 'working', 'cancelled'],
  );
  const final = events[2]?.data.data as { reason?: { kind?: string } } | undefined;
  assert.equal(final?.reason?.kind, 'shutdown');
  assert.ok(elapsed < 8_000, `exited ${Math.round(elapsed)} ms after SIGTERM (deadline 20 s)`);
  assert.match(stderr, /warden http server .* closed/);
});
