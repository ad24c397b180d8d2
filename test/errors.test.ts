// Keeps the error registry in step: `errorCodes` in src/errors.ts, the `## CODE — `Class``
// headings of docs/errors.md and the classes each layer declares beside its code and exports
// from its entry point: the core (`warden`: core, cancel, backend and coordinator errors),
// `warden/postgres`, `warden/http`, and the command line's own (src/cli/errors.ts).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import * as cliErrors from '../src/cli/errors.js';
import * as http from '../src/http/index.js';
import * as core from '../src/index.js';
import {
  CancelledError,
  CancelReason,
  CriticalTaskError,
  errorCodes,
  InvalidArgumentError,
  NonErrorThrownError,
  TimeoutError,
  toError,
  WardenError,
} from '../src/index.js';
import * as postgres from '../src/postgres/index.js';

/** Every entry point's exports, core first (a name exported twice is the same value). */
const warden: Record<string, unknown> = { ...cliErrors, ...http, ...postgres, ...core };
/** Where each layer's errors are exported from. */
const ENTRY_POINTS: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
  ['warden', core],
  ['warden/postgres', postgres],
  ['warden/http', http],
  ['src/cli/errors.ts', cliErrors],
];

const CODE_PATTERN = /^WARDEN_ERR_[A-Z_]+$/;
const HEADING = /^## (\S+) — `([A-Za-z]+)`$/;

interface DocEntry {
  readonly code: string;
  readonly className: string;
}

function readDocEntries(): { entries: DocEntry[]; malformed: string[] } {
  const text = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
  const entries: DocEntry[] = [];
  const malformed: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('## ')) continue;
    const match = HEADING.exec(line);
    if (match?.[1] === undefined || match[2] === undefined) malformed.push(line);
    else entries.push({ code: match[1], className: match[2] });
  }
  return { entries, malformed };
}

type ErrorClass = new (...args: never[]) => WardenError;

// Plausible arguments for each class. A class added to the registry without an entry here is
// still constructed, with placeholder strings, so the registry test never silently skips it.
const factories: Record<string, () => WardenError> = {
  CancelledError: () => new CancelledError(CancelReason.shutdown()),
  TimeoutError: () => new TimeoutError(250, 'Task'),
  InvalidArgumentError: () => new InvalidArgumentError('ms', 'a number', 'soon'),
  ScopeClosedError: () => new core.ScopeClosedError('workers'),
  CriticalTaskError: () => new CriticalTaskError('server', new Error('port in use')),
  NonErrorThrownError: () => new NonErrorThrownError(42),
  HandleLeakedError: () => new core.HandleLeakedError('poller', 'at main (app.ts:1:1)'),
  RestartIntensityError: () => new core.RestartIntensityError('root', 3, 5_000, new Error('crash')),
  SupervisorStoppedError: () => new core.SupervisorStoppedError('root'),
  UnknownTaskTypeError: () => new core.UnknownTaskTypeError('in-process', 'email.send'),
  InvalidPayloadError: () => new core.InvalidPayloadError('payload.when', 'is a Date'),
  PayloadTooLargeError: () => new core.PayloadTooLargeError(2_000_000, 1_048_576),
  QueueFullError: () => new core.QueueFullError('in-process', 10_000),
  BackendNotStartedError: () => new core.BackendNotStartedError('in-process'),
  BackendShutDownError: () => new core.BackendShutDownError('in-process'),
  DuplicateTaskIdError: () => new core.DuplicateTaskIdError('in-process', 'order-42'),
  TasksAbandonedError: () =>
    new core.TasksAbandonedError('in-process', [{ id: 'order-42', type: 'email.send' }]),
  MethodNotAllowedError: () => new http.MethodNotAllowedError('DELETE', '/tasks', ['GET', 'POST']),
  RequestTooLargeError: () => new http.RequestTooLargeError(1_048_576),
};

function construct(className: string, cls: ErrorClass): WardenError {
  const factory = factories[className];
  if (factory !== undefined) return factory();
  const Placeholder = cls as unknown as new (...args: unknown[]) => WardenError;
  return new Placeholder('example', 'example', 'example');
}

function exportedErrorClasses(): Map<string, ErrorClass> {
  const classes = new Map<string, ErrorClass>();
  for (const [name, value] of Object.entries(warden)) {
    if (typeof value === 'function' && value.prototype instanceof WardenError) {
      classes.set(name, value as unknown as ErrorClass);
    }
  }
  return classes;
}

describe('error registry', () => {
  test('every ## heading in docs/errors.md has the form `## CODE — `Class``', () => {
    const { entries, malformed } = readDocEntries();
    assert.deepEqual(malformed, []);
    assert.ok(entries.length > 0);
  });

  test('every code in errorCodes has a heading in docs/errors.md, and vice versa', () => {
    const documented = readDocEntries().entries.map((entry) => entry.code);
    const registered = Object.keys(errorCodes);
    assert.deepEqual(
      registered.filter((code) => !documented.includes(code)),
      [],
      'codes missing from docs/errors.md',
    );
    assert.deepEqual(
      documented.filter((code) => !registered.includes(code)),
      [],
      'codes in docs/errors.md but not in errorCodes',
    );
  });

  test('codes and classes are unique and codes match WARDEN_ERR_[A-Z_]+', () => {
    const { entries } = readDocEntries();
    const codes = entries.map((entry) => entry.code);
    const classNames = entries.map((entry) => entry.className);
    assert.equal(new Set(codes).size, codes.length, 'a code is documented twice');
    assert.equal(new Set(classNames).size, classNames.length, 'a class carries two codes');
    for (const code of Object.keys(errorCodes)) assert.match(code, CODE_PATTERN);
    for (const code of codes) assert.match(code, CODE_PATTERN);
  });

  test('every meaning in errorCodes is a non-empty single line', () => {
    for (const [code, meaning] of Object.entries(errorCodes)) {
      assert.equal(typeof meaning, 'string', code);
      assert.ok(meaning.trim().length > 0, code);
      assert.ok(!meaning.includes('\n'), code);
    }
  });

  test("each documented class is exported from its layer's entry point", () => {
    const missing = readDocEntries()
      .entries.map((entry) => entry.className)
      .filter((className) => typeof warden[className] !== 'function');
    assert.deepEqual(missing, [], 'documented error classes no entry point exports');
  });

  test('the core entry point exports no HTTP, Postgres or command-line error', () => {
    const elsewhere = ENTRY_POINTS.slice(1).flatMap(([, module]) =>
      Object.entries(module)
        .filter(
          ([, value]) => typeof value === 'function' && value.prototype instanceof WardenError,
        )
        .map(([name]) => name),
    );
    const inCore = elsewhere.filter(
      (name) => name in core && !['DatabaseUnavailableError'].includes(name),
    );
    assert.deepEqual(inCore, []);
  });

  test('each exported documented class is a WardenError subclass that yields its code', () => {
    for (const { code, className } of readDocEntries().entries) {
      const cls = warden[className];
      if (typeof cls !== 'function') continue; // reported by the test above
      assert.ok(
        (cls as ErrorClass).prototype instanceof WardenError,
        `${className} is not a WardenError subclass`,
      );
      const error = construct(className, cls as ErrorClass);
      assert.ok(error instanceof (cls as ErrorClass), className);
      assert.ok(error instanceof WardenError, className);
      assert.ok(error instanceof Error, className);
      assert.equal(error.code, code, `${className} carries ${error.code}, documented as ${code}`);
      assert.equal(error.name, className);
      assert.ok(error.message.length > 0, `${className} has a message`);
      assert.ok(error.stack?.includes(className), `${className} has a stack naming it`);
    }
  });

  test('every WardenError subclass an entry point exports is documented', () => {
    const documented = new Set(readDocEntries().entries.map((entry) => entry.className));
    const undocumented = [...exportedErrorClasses().keys()].filter((name) => !documented.has(name));
    assert.deepEqual(undocumented, []);
  });
});

describe('error behaviour', () => {
  test('cancelled, timed out and failed are told apart by type and code', () => {
    const cancelled = new CancelledError(CancelReason.requested());
    const timedOut = new TimeoutError(10);
    const failed = new CriticalTaskError('x', new Error('y'));
    assert.equal(timedOut instanceof CancelledError, false);
    assert.equal(cancelled instanceof TimeoutError, false);
    assert.equal(failed instanceof CancelledError, false);
    assert.deepEqual(
      [cancelled.code, timedOut.code, failed.code],
      ['WARDEN_ERR_CANCELLED', 'WARDEN_ERR_TIMEOUT', 'WARDEN_ERR_CRITICAL_TASK_FAILED'],
    );
  });

  test('CancelledError carries its reason, says the kind and takes the cause', () => {
    const cause = new Error('db down');
    const reason = CancelReason.parentFailure(cause, 'a sibling failed');
    const error = new CancelledError(reason);
    assert.equal(error.reason, reason);
    assert.equal(error.cause, cause);
    assert.match(error.message, /parent-failure/);
    assert.match(error.message, /a sibling failed/);
  });

  test('TimeoutError says what timed out and after how long', () => {
    const error = new TimeoutError(1_500, "Task 'sync'");
    assert.equal(error.ms, 1_500);
    assert.equal(error.message, "Task 'sync' timed out after 1500 ms");
    assert.equal(new TimeoutError(5).message, 'Operation timed out after 5 ms');
  });

  test('CriticalTaskError says failed for an Error and panicked for anything else', () => {
    const original = new Error('port in use');
    const failed = new CriticalTaskError('server', original);
    assert.equal(failed.message, "Critical task 'server' failed: port in use");
    assert.equal(failed.cause, original);
    assert.equal(failed.description, 'server');
    const panicked = new CriticalTaskError('server', new NonErrorThrownError('oops'));
    assert.equal(panicked.message, "Critical task 'server' panicked: oops");
  });

  test('InvalidArgumentError names the argument and describes what it got', () => {
    const described = (actual: unknown): string =>
      new InvalidArgumentError('x', 'a number', actual).message;
    assert.equal(described('s'), 'x must be a number; got "s"');
    assert.equal(described(null), 'x must be a number; got null');
    assert.equal(described(undefined), 'x must be a number; got undefined');
    assert.equal(described(10n), 'x must be a number; got 10n');
    assert.equal(described(Symbol('s')), 'x must be a number; got Symbol(s)');
    assert.equal(
      described(function named() {}),
      'x must be a number; got a function (named)',
    );
    assert.equal(described({ a: 1 }), 'x must be a number; got {"a":1}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.equal(described(cyclic), 'x must be a number; got [object Object]');
    assert.equal(
      new InvalidArgumentError('options.timeout', 'a number', -1).argument,
      'options.timeout',
    );
  });

  test('InvalidArgumentError.unknownOption names the key, where, and a suggestion or the keys', () => {
    const suggested = InvalidArgumentError.unknownOption(
      'PostgresBackend options',
      'options.leaseMs',
      'leaseMs',
      ['concurrency', 'leaseTimeout'],
      'leaseTimeout',
    );
    assert.ok(suggested instanceof InvalidArgumentError);
    assert.equal(suggested.code, 'WARDEN_ERR_INVALID_ARGUMENT');
    assert.equal(
      suggested.message,
      "PostgresBackend options: unknown option 'leaseMs' (did you mean 'leaseTimeout'?)",
    );
    assert.equal(suggested.argument, 'options.leaseMs');
    assert.equal(suggested.suggestion, 'leaseTimeout');
    assert.match(suggested.stack ?? '', /^InvalidArgumentError: PostgresBackend options: unknown/);
    const listed = InvalidArgumentError.unknownOption('Scope options', 'options.parent', 'parent', [
      'name',
      'token',
    ]);
    assert.equal(
      listed.message,
      "Scope options: unknown option 'parent'; valid options: name, token",
    );
    assert.equal(listed.suggestion, undefined);
    assert.equal(new InvalidArgumentError('x', 'a number', 1).suggestion, undefined);
  });

  test('toError passes Errors through and wraps anything else, keeping the value', () => {
    const error = new RangeError('r');
    assert.equal(toError(error), error);
    for (const value of ['text', 42, null, undefined, { a: 1 }, Symbol('s')]) {
      const wrapped = toError(value);
      assert.ok(wrapped instanceof NonErrorThrownError);
      assert.equal(wrapped.value, value);
      assert.ok(wrapped.message.length > 0);
    }
    assert.equal(toError('text').message, 'text');
    assert.equal(toError(42).message, '42');
  });
});
