// Payload checks at submit: plain JSON only, with the path of the first offending value.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DEFAULT_MAX_PAYLOAD_BYTES,
  InvalidArgumentError,
  InvalidPayloadError,
  MAX_PAYLOAD_DEPTH,
  PayloadTooLargeError,
  validatePayload,
} from '../../src/index.js';
import { unknownOption } from '../helpers.js';

function problemAt(payload: unknown): { path: string; problem: string } {
  try {
    validatePayload(payload);
  } catch (error) {
    assert.ok(error instanceof InvalidPayloadError, String(error));
    assert.equal(error.code, 'WARDEN_ERR_INVALID_PAYLOAD');
    assert.ok(error.message.includes(error.path));
    return { path: error.path, problem: error.problem };
  }
  assert.fail(`expected ${String(payload)} to be refused`);
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

describe('validatePayload', () => {
  test('accepts plain JSON: primitives, nested objects and arrays, shared references', () => {
    const shared = { a: 1 };
    for (const payload of [
      null,
      true,
      0,
      -1.5e300,
      '',
      'héllo 🌍',
      [],
      {},
      { a: [1, 'two', { three: [null, false] }] },
      { left: shared, right: shared },
      Object.assign(Object.create(null), { bare: 1 }),
      JSON.parse('{"__proto__": {"x": 1}}'),
    ]) {
      assert.doesNotThrow(() => validatePayload(payload), JSON.stringify(payload));
    }
  });

  test('refuses what JSON cannot carry unchanged, naming the path', () => {
    const fn = (): void => {};
    const cases: Array<[unknown, string, RegExp]> = [
      [undefined, 'payload', /is undefined \(use null/],
      [10n, 'payload', /BigInt/],
      [fn, 'payload', /function/],
      [Symbol('s'), 'payload', /symbol/],
      [Number.NaN, 'payload', /NaN/],
      [{ n: Number.POSITIVE_INFINITY }, 'payload.n', /Infinity/],
      [{ items: [{ when: new Date(0) }] }, 'payload.items[0].when', /Date .*toISOString/],
      [{ m: new Map() }, 'payload.m', /Map/],
      [{ s: new Set() }, 'payload.s', /Set/],
      [{ b: Buffer.from('x') }, 'payload.b', /binary/],
      [{ u: new Uint8Array(2) }, 'payload.u', /binary/],
      [{ p: new Point(1, 2) }, 'payload.p', /Point instance/],
      [{ r: /x/ }, 'payload.r', /RegExp/],
      [{ boxed: new String('x') }, 'payload.boxed', /String instance/],
      [{ a: { b: undefined } }, 'payload.a.b', /undefined/],
      [[1, undefined], 'payload[1]', /undefined/],
      // biome-ignore lint/suspicious/noSparseArray: a hole is what is being tested.
      [[1, , 3], 'payload[1]', /undefined/],
      [{ 'not an identifier': { f: fn } }, 'payload["not an identifier"].f', /function/],
      [{ [Symbol('k')]: 1 }, 'payload', /symbol-keyed/],
      [{ deep: { [Symbol('k')]: 1 } }, 'payload.deep', /symbol-keyed/],
    ];
    for (const [payload, path, problem] of cases) {
      const found = problemAt(payload);
      assert.equal(found.path, path, `path for ${found.problem}`);
      assert.match(found.problem, problem);
    }
  });

  test('refuses cycles, naming where the cycle closes', () => {
    const node: Record<string, unknown> = { name: 'root', children: [] };
    (node.children as unknown[]).push({ name: 'child', parent: node });
    assert.deepEqual(problemAt(node), {
      path: 'payload.children[0].parent',
      problem: 'is a cycle (it contains itself)',
    });
    const self: unknown[] = [];
    self.push(self);
    assert.equal(problemAt(self).path, 'payload[0]');
  });

  test(`refuses nesting deeper than ${MAX_PAYLOAD_DEPTH} levels, and accepts exactly that`, () => {
    const nest = (levels: number): unknown => {
      let value: unknown = 1;
      for (let i = 0; i < levels; i++) value = [value];
      return value;
    };
    assert.doesNotThrow(() => validatePayload(nest(MAX_PAYLOAD_DEPTH)));
    assert.match(problemAt(nest(MAX_PAYLOAD_DEPTH + 1)).problem, /nested deeper/);
    assert.match(problemAt(nest(100_000)).problem, /nested deeper/, 'no stack overflow');
  });

  test('a getter that throws is reported at its path, with the error as cause', () => {
    const boom = new Error('getter failed');
    const payload = {
      ok: 1,
      get bad(): number {
        throw boom;
      },
    };
    try {
      validatePayload({ wrap: payload });
      assert.fail('expected a refusal');
    } catch (error) {
      assert.ok(error instanceof InvalidPayloadError);
      assert.equal(error.path, 'payload.wrap.bad');
      assert.equal(error.cause, boom);
    }
  });

  test('measures size as UTF-8 bytes of JSON, exactly at the limit', () => {
    // "é" is 2 bytes in UTF-8; with the quotes, 'é'.repeat(4) is 10 bytes.
    assert.doesNotThrow(() => validatePayload('é'.repeat(4), { maxBytes: 10 }));
    assert.throws(() => validatePayload('é'.repeat(5), { maxBytes: 10 }), PayloadTooLargeError);
    // Escapes count: "\u0000" is 6 bytes + 2 quotes.
    assert.doesNotThrow(() => validatePayload('\u0000', { maxBytes: 8 }));
    assert.throws(() => validatePayload('\u0000', { maxBytes: 7 }), PayloadTooLargeError);
    const object = { list: Array.from({ length: 100 }, (_, i) => i) };
    const bytes = Buffer.byteLength(JSON.stringify(object));
    assert.doesNotThrow(() => validatePayload(object, { maxBytes: bytes }));
    try {
      validatePayload(object, { maxBytes: bytes - 1 });
      assert.fail('expected a refusal');
    } catch (error) {
      assert.ok(error instanceof PayloadTooLargeError);
      assert.equal(error.bytes, bytes);
      assert.equal(error.limit, bytes - 1);
      assert.equal(error.path, 'payload');
      assert.equal(error.code, 'WARDEN_ERR_PAYLOAD_TOO_LARGE');
    }
  });

  test('the default limit is 1 MiB', () => {
    assert.equal(DEFAULT_MAX_PAYLOAD_BYTES, 1024 * 1024);
    assert.doesNotThrow(() => validatePayload('x'.repeat(DEFAULT_MAX_PAYLOAD_BYTES - 2)));
    assert.throws(
      () => validatePayload({ big: 'x'.repeat(DEFAULT_MAX_PAYLOAD_BYTES) }),
      PayloadTooLargeError,
    );
  });

  test('a flat object with a bad value is still refused with its path (fast path)', () => {
    assert.equal(problemAt({ a: 1, b: 'x', c: undefined }).path, 'payload.c');
    assert.equal(problemAt({ a: 1, b: Number.NaN }).path, 'payload.b');
    assert.equal(problemAt(Object.assign(new Point(1, 2), {})).path, 'payload');
  });

  test('bad options throw InvalidArgumentError', () => {
    assert.throws(() => validatePayload(1, { maxBytes: 0 }), InvalidArgumentError);
    assert.throws(() => validatePayload(1, { maxBytes: '5' as never }), InvalidArgumentError);
  });

  test('an unknown option key throws; every option at once is accepted', () => {
    assert.throws(
      () => validatePayload(1, { maxBytes: 10, maxDepth: 3 } as never),
      unknownOption("validatePayload options: unknown option 'maxDepth'; valid options: maxBytes"),
    );
    validatePayload({ a: 1 }, { maxBytes: 10 });
  });
});
