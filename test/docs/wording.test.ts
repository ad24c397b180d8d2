// The user docs speak of Warden, not of how it was built: no "seed 003's decorator", "session
// 4's run", "issue 2's targets" or "since this stop landed", which a reader cannot know. Say
// what the thing is ("the fail-fast decorator", "measured on 2026-11-22") instead. Code blocks
// are checked too: their comments are docs as well.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { docFiles } from './doc-files.js';

/** Words about the process that built Warden, each with what to say instead. */
const PROCESS_WORDS: ReadonlyArray<{ pattern: RegExp; instead: string }> = [
  { pattern: /\bseeds?\b/i, instead: 'name the thing itself (the fail-fast decorator, …)' },
  { pattern: /\bsessions?\b/i, instead: 'a date, or "in an earlier run"' },
  { pattern: /\bissues?\b/i, instead: 'what the target or reference is' },
  { pattern: /\blanded\b/i, instead: '"since <change>"' },
  { pattern: /\bstops? \d+\b/i, instead: 'a date or a version' },
  { pattern: /\b(?:brief|worktree|ticket)\b/i, instead: 'what it says' },
];

/** Phrases that contain one of the words above in its ordinary sense. */
const ALLOWED: readonly RegExp[] = [/\bbrowser session\b/gi];

describe('the docs name no part of the process that built Warden', () => {
  for (const doc of docFiles()) {
    test(doc.path, () => {
      const found: string[] = [];
      doc.text.split('\n').forEach((line, index) => {
        const plain = ALLOWED.reduce((text, allowed) => text.replace(allowed, ''), line);
        for (const { pattern, instead } of PROCESS_WORDS) {
          const match = pattern.exec(plain);
          if (match !== null) found.push(`${doc.path}:${index + 1}: "${match[0]}": ${instead}`);
        }
      });
      assert.deepEqual(found, []);
    });
  }

  test('the check finds such words (and lets the ordinary ones pass)', () => {
    const flagged = (line: string): boolean =>
      PROCESS_WORDS.some(({ pattern }) =>
        pattern.test(ALLOWED.reduce((text, allowed) => text.replace(allowed, ''), line)),
      );
    assert.ok(flagged("wraps a function (seed 003's decorator)"));
    assert.ok(flagged("session 4's run"));
    assert.ok(flagged('The core targets of issue 2'));
    assert.ok(!flagged('keeps it for the browser session'));
    assert.ok(!flagged('300 seeded random sequences'));
  });
});
