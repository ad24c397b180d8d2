// Handlers by type, and the seed's executor as the fallback.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HandlerRegistry } from '../../src/backend/handler-registry.js';
import { InvalidArgumentError } from '../../src/index.js';

describe('HandlerRegistry', () => {
  test('a registered handler wins over the executor; unknown types fall back to it', () => {
    const registry = new HandlerRegistry();
    const handler = (): void => {};
    const executor = (): void => {};
    registry.register('a', handler);
    assert.equal(registry.resolve('b'), undefined);
    registry.setExecutor(executor);
    assert.deepEqual(registry.resolve('a'), { fn: handler, viaExecutor: false });
    assert.deepEqual(registry.resolve('b'), { fn: executor, viaExecutor: true });
    assert.deepEqual(registry.types(), ['a']);
  });

  test('a second handler for a type is refused, not silently swapped', () => {
    const registry = new HandlerRegistry();
    registry.register('a', () => {});
    assert.throws(() => registry.register('a', () => {}), InvalidArgumentError);
  });

  test('disposing a registration frees the type; disposing twice does nothing', () => {
    const registry = new HandlerRegistry();
    const first = registry.register('a', () => {});
    first.dispose();
    assert.equal(registry.has('a'), false);
    const second = registry.register('a', () => {});
    first.dispose();
    assert.equal(registry.has('a'), true, 'the old registration does not remove the new one');
    second[Symbol.dispose]();
    assert.equal(registry.has('a'), false);
  });

  test('bad types, handlers and executors throw InvalidArgumentError', () => {
    const registry = new HandlerRegistry();
    for (const type of ['', 'has space', 'tab\there', 'x'.repeat(129), 42, undefined]) {
      assert.throws(() => registry.register(type as string, () => {}), InvalidArgumentError);
    }
    assert.throws(() => registry.register('a', 'not a function' as never), InvalidArgumentError);
    assert.throws(() => registry.setExecutor(42 as never), InvalidArgumentError);
    registry.register('email.send/v2:β', () => {});
  });
});
