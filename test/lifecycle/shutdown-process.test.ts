// Graceful shutdown of a whole process: seed 002's test_shutdown.py list, each by forking a
// fixture service and signalling it. Timing bounds are generous (a loaded 2-core machine).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fork, shutdownReport } from '../fixtures/lifecycle/fork.js';

describe('shutdown of a real process (seed 002, test_shutdown.py)', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`signal handler registered for ${signal}: it starts a graceful shutdown, exit 0`, async () => {
      const service = fork('service', [], { TASKS: '2' });
      await service.line('READY');
      service.kill(signal);
      const exit = await service.exited;
      assert.equal(exit.code, 0, service.stderr());
      assert.equal(exit.signal, null, 'the process exited by itself, not killed by the signal');
      const report = shutdownReport(service.stderr());
      assert.equal(report.outcome, 'clean');
      assert.deepEqual(report.reason, { kind: 'shutdown', message: `received ${signal}` });
    });
  }

  test('shutdown cancels all tasks, with reason shutdown', async () => {
    const service = fork('service', [], { TASKS: '25' });
    await service.line('READY');
    service.kill('SIGTERM');
    const exit = await service.exited;
    assert.equal(exit.code, 0, service.stderr());
    const cancelled = service
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('CANCELLED '));
    assert.equal(cancelled.length, 25);
    for (const line of cancelled) assert.match(line, /^CANCELLED \d+ shutdown$/);
  });

  test('shutdown waits for cleanup before the process exits', async () => {
    const service = fork('service', [], { TASKS: '5', CLEANUP_MS: '300', HOOKS: 'phases' });
    await service.line('READY');
    const sent = service.kill('SIGTERM');
    const exit = await service.exited;
    assert.equal(exit.code, 0, service.stderr());
    const lines = service.stdout().split('\n');
    for (let i = 0; i < 5; i++) assert.ok(lines.includes(`CLEANED ${i}`), `task ${i} cleaned up`);
    // Close hooks run after every task has cleaned up.
    assert.ok(
      lines.indexOf('HOOK close') >
        Math.max(...[0, 1, 2, 3, 4].map((i) => lines.indexOf(`CLEANED ${i}`))),
    );
    assert.ok(lines.indexOf('HOOK intake') < lines.indexOf('CANCELLED 0 shutdown'));
    assert.ok(
      exit.at - sent >= 250,
      `exited after ${exit.at - sent} ms, before the 300 ms cleanup`,
    );
  });

  test('shutdown accepts a timeout (deadlineMs) and keeps to it', async () => {
    const program = fork('library', ['400', '3000']);
    const exit = await program.exited;
    assert.equal(exit.code, 0, program.stderr());
    const line = program
      .stdout()
      .split('\n')
      .find((l) => l.startsWith('REPORT '));
    assert.ok(line, program.stdout());
    const report = JSON.parse(line.slice('REPORT '.length));
    assert.equal(report.deadlineMs, 400);
    assert.ok(report.durationMs < 400 + 500, `took ${report.durationMs} ms with a 400 ms deadline`);
    assert.equal(report.outcome, 'incomplete');
    assert.deepEqual(report.unfinished, ['slow-cleanup']);
    assert.ok(!program.stdout().includes('EXIT CALLED'), 'a library shutdown never exits');
  });

  test('a hanging task cannot hang shutdown past the deadline', async () => {
    const service = fork('service', [], { TASKS: '2', HANG: '3', DEADLINE_MS: '1500' });
    await service.line('READY');
    const sent = service.kill('SIGTERM');
    const exit = await service.exited;
    const elapsed = exit.at - sent;
    assert.equal(exit.code, 1, service.stderr());
    // The drain is cut at 80 % of the deadline; close hooks get the rest.
    assert.ok(elapsed >= 1000, `exited after ${elapsed} ms, before the drain budget ran out`);
    assert.ok(elapsed < 1500 + 1500, `exited after ${elapsed} ms with a 1500 ms deadline`);
  });

  test('tasks that did not finish are logged by name, age and spawn site', async () => {
    const service = fork('service', [], { TASKS: '1', HANG: '2', DEADLINE_MS: '800' });
    await service.line('READY');
    service.kill('SIGTERM');
    const exit = await service.exited;
    assert.equal(exit.code, 1);
    const report = shutdownReport(service.stderr());
    assert.equal(report.outcome, 'incomplete');
    assert.equal(report.unfinishedTaskCount, 2);
    const unfinished = report.unfinishedTasks as Array<Record<string, unknown>>;
    assert.deepEqual(
      unfinished.map((task) => task.name),
      ['stuck-0', 'stuck-1'],
    );
    for (const task of unfinished) {
      assert.equal(typeof task.ageMs, 'number');
      assert.ok((task.ageMs as number) >= 500, `age ${task.ageMs}`);
      assert.match(String(task.spawnSite), /fixtures\/lifecycle\/service\.ts:\d+/);
      assert.doesNotMatch(String(task.spawnSite), /src\/lifecycle\//, 'runtime frames are dropped');
    }
  });

  test('all task references are cleared on shutdown (WeakRef + gc)', async () => {
    const program = fork('library', ['5000', '10', '200']);
    const exit = await program.exited;
    assert.equal(exit.code, 0, program.stderr());
    assert.ok(program.stdout().includes('COLLECTED 200/200'), program.stdout());
    const report = JSON.parse(
      (
        program
          .stdout()
          .split('\n')
          .find((l) => l.startsWith('REPORT ')) as string
      ).slice(7),
    );
    assert.equal(report.outcome, 'clean');
    assert.equal(report.state, 'stopped');
  });
});
