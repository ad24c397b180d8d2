// The one check of unknown option keys every entry point uses: what it refuses, what it lets
// through, and which valid key it suggests for a typo.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkOptionKeys, nearestKey, optionKeys } from '../src/internal/option-keys.js';
import { unknownOption } from './helpers.js';

const keys = optionKeys({ name: 'x', deadlineMs: 1 }, ['reason', 'runAt']);

describe('optionKeys', () => {
  test('takes the keys of a defaults object and the ones without a default', () => {
    assert.deepEqual([...keys], ['name', 'deadlineMs', 'reason', 'runAt']);
  });

  test('takes a plain list', () => {
    assert.deepEqual([...optionKeys(['a', 'b'])], ['a', 'b']);
  });
});

describe('checkOptionKeys', () => {
  test('accepts known keys, also when their value is undefined', () => {
    checkOptionKeys({}, keys, 'f');
    checkOptionKeys({ name: 'n', deadlineMs: 5, reason: 'r', runAt: 1 }, keys, 'f');
    checkOptionKeys({ name: undefined, reason: undefined }, keys, 'f');
  });

  test('refuses an unknown key, also when its value is undefined', () => {
    assert.throws(
      () => checkOptionKeys({ name: 'n', deadline: 5 }, keys, 'f'),
      unknownOption("f options: unknown option 'deadline' (did you mean 'deadlineMs'?)"),
    );
    assert.throws(
      () => checkOptionKeys({ deadline: undefined }, keys, 'f'),
      unknownOption("f options: unknown option 'deadline' (did you mean 'deadlineMs'?)"),
    );
  });

  test('names where the key was given and its path', () => {
    assert.throws(
      () => checkOptionKeys({ runat: 1 }, keys, 'Backend.submit', 'task'),
      (error: unknown) => {
        unknownOption("Backend.submit task: unknown option 'runat' (did you mean 'runAt'?)")(error);
        assert.equal((error as { argument: string }).argument, 'task.runat');
        return true;
      },
    );
  });

  test('without a close key, lists every valid key, sorted', () => {
    assert.throws(
      () => checkOptionKeys({ parent: 1 }, keys, 'Scope', 'options.nested'),
      unknownOption(
        "Scope options.nested: unknown option 'parent'; valid options: deadlineMs, name, reason, runAt",
      ),
    );
  });

  test('ignores symbol keys, inherited keys and non-enumerable ones', () => {
    const options = Object.create({ inherited: 1 }) as Record<PropertyKey, unknown>;
    options[Symbol('tag')] = 1;
    Object.defineProperty(options, 'hidden', { value: 1, enumerable: false });
    options.name = 'n';
    checkOptionKeys(options, keys, 'f');
  });

  test('leaves anything but an object to the caller', () => {
    for (const value of [undefined, null, 5, 'name', () => {}]) checkOptionKeys(value, keys, 'f');
    assert.throws(
      () => checkOptionKeys([1], keys, 'f'),
      unknownOption(
        "f options: unknown option '0'; valid options: deadlineMs, name, reason, runAt",
      ),
    );
  });
});

describe('nearestKey', () => {
  const valid = ['leaseTimeout', 'shutdownTimeout', 'shutdownGrace', 'runAt', 'timeout', 'name'];

  test('the same key in another case', () => {
    assert.equal(nearestKey('runat', valid), 'runAt');
    assert.equal(nearestKey('NAME', valid), 'name');
  });

  test('the nearest within a few edits: typos, transpositions, a missing suffix', () => {
    assert.equal(nearestKey('timout', valid), 'timeout');
    assert.equal(nearestKey('nmae', valid), 'name');
    assert.equal(nearestKey('deadline', ['deadlineMs', 'reason']), 'deadlineMs');
    assert.equal(nearestKey('shutdownTimout', valid), 'shutdownTimeout');
  });

  test('the only key sharing a long prefix', () => {
    assert.equal(nearestKey('leaseMs', valid), 'leaseTimeout');
    assert.equal(nearestKey('worker', ['workerId', 'token']), 'workerId');
  });

  test('none when two keys share the prefix or nothing is close', () => {
    assert.equal(nearestKey('shutdownMs', valid), undefined);
    assert.equal(nearestKey('parent', valid), undefined);
    assert.equal(nearestKey('x', ['id', 'to']), undefined);
  });
});
