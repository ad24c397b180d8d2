// `maxPayloadBytes` is a whole number of bytes on every backend, checked by one rule: not a
// duration, not a fraction, not below 1.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InProcessBackend, InvalidArgumentError } from '../../src/index.js';
import { PostgresBackend } from '../../src/postgres/index.js';

const makers: Array<readonly [string, (maxPayloadBytes: unknown) => unknown]> = [
  ['InProcessBackend', (maxPayloadBytes) => new InProcessBackend({ maxPayloadBytes } as never)],
  [
    'PostgresBackend',
    (maxPayloadBytes) => new PostgresBackend({ pglite: {}, maxPayloadBytes } as never),
  ],
];

for (const [name, make] of makers) {
  test(`${name}: maxPayloadBytes must be a whole number of bytes ≥ 1`, () => {
    for (const bad of [0, 1.5, -1, Number.POSITIVE_INFINITY, '1000', null]) {
      assert.throws(
        () => make(bad),
        (error: unknown) =>
          error instanceof InvalidArgumentError &&
          /options\.maxPayloadBytes must be a whole number of bytes ≥ 1/.test(error.message),
        `${name} accepted ${String(bad)}`,
      );
    }
    assert.doesNotThrow(() => make(1_000));
  });
}
