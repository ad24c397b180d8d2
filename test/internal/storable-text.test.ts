// storableText: what the database accepts, with nothing else changed.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStorableText, storableText } from '../../src/internal/storable-text.js';

test('well-formed text without NUL is returned as it is, and is storable', () => {
  const text = 'plain, é, 😀, 中文';
  assert.equal(storableText(text), text);
  assert.equal(isStorableText(text), true);
});

test('lone surrogates become U+FFFD; NUL is removed', () => {
  assert.equal(storableText('a\uD83Db\uDE00c\u0000d'), 'a\uFFFDb\uFFFDcd');
  assert.equal(isStorableText('a\uD83D'), false);
  assert.equal(isStorableText('a\u0000'), false);
});

test('a clip ends on a code-point boundary, with an ellipsis', () => {
  assert.equal(storableText('abcdef', 4), 'abc…');
  // The emoji's high half would be the last unit kept: it goes too.
  assert.equal(storableText('ab😀cd', 4), 'ab…');
  assert.equal(storableText('abc😀d', 4), 'abc…');
  const clipped = storableText(`${'x'.repeat(998)}😀tail`, 1_000);
  assert.ok(clipped.isWellFormed());
  assert.ok(clipped.length <= 1_000);
});
