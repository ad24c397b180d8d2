// Fail-fast and crash capture in a real process: seed 003's two tests, the function wrapper,
// and unhandled rejections / uncaught exceptions taking the fatal path with a graceful drain.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fork, shutdownReport } from '../fixtures/lifecycle/fork.js';

/** The banner's lines, checked in order. */
function assertBanner(stderr: string, title: string, error: string): void {
  const start = stderr.indexOf('╔');
  assert.ok(start !== -1, `no FATAL banner on stderr:\n${stderr}`);
  const banner = stderr.slice(start);
  const lines = banner.split('\n');
  assert.match(lines[0] as string, /^╔═+╗$/);
  assert.equal(lines[1], `║ ${title}`);
  assert.match(lines[2] as string, /^║ The process will now EXIT/);
  assert.ok(banner.includes(`Exception: ${error}`), banner);
  assert.match(banner, /Full stack:\n.+\n\s+at /, 'the full stack follows');
  assert.equal(stderr.split('╔').length - 1, 1, 'exactly one banner');
}

describe('fail-fast (seed 003)', () => {
  test('test 1: a failing fail-fast task exits 1 with the FATAL banner, after a graceful drain', async () => {
    const program = fork('fail-fast', ['task-fails']);
    const exit = await program.exited;
    assert.equal(exit.code, 1, program.stderr());
    const stderr = program.stderr();
    assertBanner(
      stderr,
      "FATAL: Unhandled exception in background task 'worker_loop'",
      'TypeError: Invalid data format',
    );
    assert.match(
      stderr,
      /at invalidDataFormat \(.*fail-fast\.ts:\d+:\d+\)/,
      'the stack names the throw site',
    );
    // The sibling was cancelled with reason shutdown and its async cleanup ran before the exit.
    assert.ok(program.stdout().includes('SIBLING CLEANED UP (shutdown)'), program.stdout());
    const report = shutdownReport(stderr);
    assert.equal(report.outcome, 'fatal');
    assert.equal(report.exitCode, 1);
    assert.deepEqual((report.fatal as Record<string, unknown>).name, 'worker_loop');
  });

  test('test 2: a cancelled fail-fast task is not fatal; the process keeps running', async () => {
    const program = fork('fail-fast', ['task-cancel']);
    await program.line('READY');
    assert.ok(program.stdout().includes('Task cancelled gracefully'));
    assert.ok(program.stdout().includes('STILL RUNNING after cancelled'));
    assert.equal(program.child.exitCode, null, 'still running after the cancellation');
    // It is alive: it answers a SIGTERM with a clean shutdown.
    program.kill('SIGTERM');
    const exit = await program.exited;
    assert.equal(exit.code, 0, program.stderr());
    assert.ok(!program.stderr().includes('FATAL'), program.stderr());
    assert.equal(shutdownReport(program.stderr()).outcome, 'clean');
  });

  test('the function wrapper: a failure is fatal (one banner, even though the caller leaves it unhandled)', async () => {
    const program = fork('fail-fast', ['fn-fails']);
    const exit = await program.exited;
    assert.equal(exit.code, 1, program.stderr());
    assertBanner(
      program.stderr(),
      "FATAL: Unhandled exception in fail-fast function 'critical_reconciliation_loop'",
      'TypeError: Invalid data format',
    );
    assert.ok(program.stdout().includes('SIBLING CLEANED UP (shutdown)'));
  });

  test('the function wrapper: a cancellation reaches the caller and is not fatal', async () => {
    const program = fork('fail-fast', ['fn-cancel']);
    await program.line('READY');
    assert.ok(program.stdout().includes('CALLER SAW CancelledError'));
    assert.equal(program.child.exitCode, null);
    program.kill('SIGTERM');
    const exit = await program.exited;
    assert.equal(exit.code, 0, program.stderr());
    assert.ok(!program.stderr().includes('FATAL'));
  });
});

describe('crash capture', () => {
  test('an unhandled rejection anywhere takes the fatal path with a graceful drain', async () => {
    const program = fork('fail-fast', ['unhandled']);
    const exit = await program.exited;
    assert.equal(exit.code, 1, program.stderr());
    assertBanner(
      program.stderr(),
      'FATAL: Unhandled promise rejection',
      'RangeError: stray rejection nobody awaited',
    );
    assert.ok(program.stdout().includes('SIBLING CLEANED UP (shutdown)'), program.stdout());
    const report = shutdownReport(program.stderr());
    assert.equal(report.outcome, 'fatal');
    assert.equal((report.fatal as Record<string, unknown>).source, 'unhandledRejection');
  });

  test('an uncaught exception takes the same path', async () => {
    const program = fork('fail-fast', ['uncaught']);
    const exit = await program.exited;
    assert.equal(exit.code, 1, program.stderr());
    assertBanner(program.stderr(), 'FATAL: Uncaught exception', 'Error: thrown from a timer');
    assert.ok(program.stdout().includes('SIBLING CLEANED UP (shutdown)'));
  });
});
