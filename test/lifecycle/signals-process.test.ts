// Signal handling in a real process: installation without doubling, a second signal forcing the
// exit, and a broken hook not stopping the later phases.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fork, logEntries, shutdownReport } from '../fixtures/lifecycle/fork.js';

describe('signals and hooks in a real process', () => {
  for (const [first, second, code] of [
    ['SIGTERM', 'SIGINT', 130],
    ['SIGTERM', 'SIGTERM', 143],
  ] as const) {
    test(`a second signal (${first} then ${second}) forces exit ${code} at once`, async () => {
      // A task that ignores cancellation and a 20 s deadline: only the forced exit ends it soon.
      const service = fork('service', [], {
        TASKS: '1',
        HANG: '1',
        HOOKS: 'announce',
        DEADLINE_MS: '20000',
      });
      await service.line('READY');
      service.kill(first);
      await service.line('DRAINING');
      const sent = service.kill(second);
      const exit = await service.exited;
      assert.equal(exit.code, code, service.stderr());
      assert.ok(exit.at - sent < 5_000, `forced exit took ${exit.at - sent} ms`);
      const forced = logEntries(service.stderr()).find((entry) => entry.event === 'forced-exit');
      assert.ok(forced, service.stderr());
      assert.equal(forced.exitCode, code);
      assert.deepEqual(
        (forced.unfinishedTasks as Array<{ name: string }>).map((task) => task.name),
        ['stuck-0'],
      );
    });
  }

  test('a throwing hook and a hanging hook do not stop the later phases; both are reported', async () => {
    const service = fork('service', [], { TASKS: '2', HOOKS: 'broken', DEADLINE_MS: '1000' });
    await service.line('READY');
    service.kill('SIGTERM');
    const exit = await service.exited;
    assert.equal(exit.code, 1, service.stderr());
    const lines = service.stdout().split('\n');
    assert.ok(lines.includes('DRAINING'), 'the drain phase ran after the intake hook threw');
    assert.ok(lines.includes('CLEANED 0') && lines.includes('CLEANED 1'), 'tasks were drained');
    assert.ok(lines.includes('CLOSED'), 'the close phase ran after the drain hook hung');
    const report = shutdownReport(service.stderr());
    assert.equal(report.outcome, 'incomplete');
    const failed = report.failedHooks as Array<Record<string, unknown>>;
    assert.deepEqual(
      failed.map((hook) => [hook.name, hook.phase, hook.status]),
      [
        ['throwing-intake', 'intake', 'failed'],
        ['hanging-drain', 'drain', 'hung'],
      ],
    );
    assert.match(JSON.stringify(failed[0]?.error), /"message":"intake hook broke"/);
  });

  test('only the configured signals are handled', async () => {
    // SIGINT is not in the list, so it keeps its default action and kills the process.
    const service = fork('service', [], { TASKS: '1', SIGNALS: 'SIGTERM' });
    await service.line('READY');
    service.kill('SIGINT');
    const exit = await service.exited;
    assert.equal(exit.signal, 'SIGINT');
    assert.equal(exit.code, null);
    assert.ok(!service.stdout().includes('CANCELLED'), 'no graceful shutdown ran');
  });

  test('SIGTERM handler with crash handlers installed: a clean exit 0 leaves no FATAL', async () => {
    const service = fork('service', [], { TASKS: '3', INSTALL: 'all', CLEANUP_MS: '20' });
    await service.line('READY');
    service.kill('SIGTERM');
    const exit = await service.exited;
    assert.equal(exit.code, 0, service.stderr());
    assert.ok(!service.stderr().includes('FATAL'));
    assert.equal(shutdownReport(service.stderr()).exitCode, 0);
  });
});
