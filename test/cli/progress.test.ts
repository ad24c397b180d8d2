// The progress line of `submit --wait`: drawn in place on a terminal, erased at the end, and
// never written when stderr is not a terminal or with --json.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Output } from '../../src/cli/output.js';
import { ProgressLine } from '../../src/cli/progress.js';
import type { TaskEvent } from '../../src/index.js';

function event(seq: number, type: string, data: unknown): TaskEvent {
  return { taskId: 'a1', seq, type, data, time: Date.now() };
}

function terminal(isTTY: boolean): {
  stream: { isTTY: boolean; write(text: string): void };
  text(): string;
} {
  let written = '';
  return {
    stream: {
      isTTY,
      write: (text: string) => {
        written += text;
      },
    },
    text: () => written,
  };
}

test('on a terminal: one line redrawn in place with status, progress and the last event', () => {
  const stderr = terminal(true);
  const output = new Output(false, { stdout: terminal(false).stream, stderr: stderr.stream });
  const line = new ProgressLine(output, 'countdown', 'a1');
  line.update(event(1, 'started', { attempt: 1 }));
  line.update(event(2, 'tick', { remaining: 2 }));
  line.update(event(3, 'progress', { value: 0.5 }));
  const frames = stderr
    .text()
    .split('\r\x1b[2K')
    .filter((frame) => frame !== '');
  const last = frames.at(-1) ?? '';
  assert.match(last, /^\S countdown a1 · running · \d+ ms · 50% · tick \{"remaining":2\}$/);
  assert.ok(!stderr.text().includes('\n'), 'the line is redrawn, never scrolled');
  line.clear();
  assert.ok(stderr.text().endsWith('\r\x1b[2K'), 'erased at the end');
  const erased = stderr.text();
  line.update(event(4, 'tick', {}));
  line.clear();
  assert.equal(stderr.text(), erased, 'nothing is drawn after clear()');
});

test('not a terminal, or --json: nothing is written', () => {
  for (const [json, isTTY] of [
    [false, false],
    [true, true],
  ] as const) {
    const stderr = terminal(isTTY);
    const output = new Output(json, { stdout: terminal(false).stream, stderr: stderr.stream });
    const line = new ProgressLine(output, 'countdown', 'a1');
    line.update(event(1, 'started', { attempt: 1 }));
    line.reconnecting();
    line.clear();
    assert.equal(stderr.text(), '');
  }
});
