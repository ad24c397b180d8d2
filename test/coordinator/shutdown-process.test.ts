// test_shutdown.py's signal items for the coordinator: a real process with running tasks and
// subscribers gets SIGTERM or SIGINT; the runtime's shutdown runs the coordinator's, so every
// task cleans up and every subscriber gets `cancelled` (reason shutdown) before a clean exit.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { within } from '../helpers.js';

const script = fileURLToPath(new URL('./fixtures/service.ts', import.meta.url));

function runService(tasks: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, TASKS: String(tasks), WARDEN_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (stdout.includes('READY\n')) onReady();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, ready, exited, stdout: () => stdout, stderr: () => stderr };
}

describe('coordinator shutdown in a real process (test_shutdown.py)', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`test_signal_handler_registered_for_${signal.toLowerCase()}: tasks cancelled, subscribers told`, async () => {
      const service = runService(4);
      await within(service.ready, { timeout: 30_000, what: 'READY' });
      service.child.kill(signal);
      const code = await within(service.exited, { timeout: 30_000, what: 'exit' });
      assert.equal(code, 0, service.stderr());
      const lines = service.stdout().split('\n');
      for (let i = 0; i < 4; i++) {
        const cleaned = lines.indexOf(`CLEANED ${i}`);
        const told = lines.indexOf(`EVENT ${i} cancelled shutdown`);
        assert.notEqual(cleaned, -1, `task ${i} cleaned up:\n${service.stdout()}`);
        assert.notEqual(told, -1, `subscriber ${i} got cancelled/shutdown:\n${service.stdout()}`);
        assert.ok(cleaned < told, 'cleanup ran before the terminal event was sent');
      }
      assert.match(
        service.stderr(),
        /coordinator 'service' shut down: every task and subscriber finished/,
      );
    });
  }
});
