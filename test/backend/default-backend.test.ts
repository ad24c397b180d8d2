// The process-wide default backend (the seed's get/set_default_task_backend).

import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import {
  getDefaultBackend,
  InlineBackend,
  InProcessBackend,
  InvalidArgumentError,
  setDefaultBackend,
} from '../../src/index.js';
import { silentLogger } from '../helpers.js';

describe('default backend', () => {
  afterEach(() => {
    setDefaultBackend(undefined);
  });

  test('starts as a started inline backend, made once', async () => {
    const backend = getDefaultBackend();
    assert.ok(backend instanceof InlineBackend);
    assert.equal(backend.state, 'started');
    assert.equal(backend.name, 'default');
    assert.equal(getDefaultBackend(), backend);
    let ran = false;
    using _registration = backend.register('ping', () => {
      ran = true;
    });
    await backend.submit({ type: 'ping', payload: null });
    assert.equal(ran, true, 'ran inline, no setup needed');
  });

  test('set replaces it and returns the previous one; undefined goes back to inline', async () => {
    const first = getDefaultBackend();
    const replacement = new InProcessBackend({ logger: silentLogger });
    assert.equal(setDefaultBackend(replacement), first);
    assert.equal(getDefaultBackend(), replacement);
    assert.equal(setDefaultBackend(undefined), replacement);
    const fresh = getDefaultBackend();
    assert.ok(fresh instanceof InlineBackend);
    assert.notEqual(fresh, first);
  });

  test('set refuses something that is not a backend', () => {
    assert.throws(() => setDefaultBackend({} as never), InvalidArgumentError);
    assert.throws(() => setDefaultBackend('inline' as never), InvalidArgumentError);
  });
});
