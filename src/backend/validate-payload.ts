/**
 * The check every backend runs at submit: a task payload must be plain JSON, and not too large.
 *
 * @module
 */

import { InvalidArgumentError } from '../errors.js';
import { checkOptionKeys, type OptionKeys, optionKeys } from '../internal/option-keys.js';
import { InvalidPayloadError, PayloadTooLargeError } from './errors.js';

/** The default `maxPayloadBytes`: 1 MiB of UTF-8 JSON. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

/** Payloads nested deeper than this are refused (JSON parsers and `jsonb` have limits too). */
export const MAX_PAYLOAD_DEPTH = 100;

/**
 * @internal Check a backend's `maxPayloadBytes` option (`argument` names it in the error): a
 * whole number of bytes, at least 1. Returns it.
 */
export function checkMaxPayloadBytes(argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(argument, 'a whole number of bytes ≥ 1', value);
  }
  return value;
}

/** Options for {@link validatePayload}. */
export interface ValidatePayloadOptions {
  /**
   * The largest payload accepted, in bytes of UTF-8 JSON (`Buffer.byteLength(JSON.stringify(p))`).
   * @default 1 MiB (1,048,576)
   */
  maxBytes?: number;
}

const validatePayloadOptionKeys = optionKeys(['maxBytes']) satisfies OptionKeys<
  keyof ValidatePayloadOptions
>;

// A bound on the UTF-8 JSON size of a string: at most 6 bytes per UTF-16 unit (`\u001f`, a lone
// surrogate as `\udc00`) plus the quotes. Only when the bound passes the limit is the payload
// measured exactly, so small payloads are never stringified.
const MAX_BYTES_PER_CHAR = 6;
// `-1.2345678901234567e-300` is 24 characters.
const MAX_NUMBER_BYTES = 24;

/**
 * Throw unless `payload` is plain JSON that fits in `maxBytes`: what a durable backend can
 * store and a worker elsewhere will receive unchanged.
 *
 * Refused, with an {@link InvalidPayloadError} whose `path` names the value
 * (`payload.items[3].when`):
 * - BigInt, functions, symbols (`JSON.stringify` throws on or drops them);
 * - `undefined`, at the top, as a property or as an array element (hole): JSON drops it or
 *   turns it into `null`, so a handler in another process would see something else;
 * - NaN and ±Infinity (JSON turns them into `null`);
 * - objects that are not plain (prototype neither `Object.prototype` nor `null`) and not
 *   arrays: `Date` (JSON turns it into a string, so convert it yourself with `toISOString()`),
 *   `Map`, `Set`, `RegExp`, `Buffer`, typed arrays, class instances, boxed primitives;
 * - symbol-keyed properties (JSON drops them);
 * - cycles (a value that contains itself); a value shared by two branches is fine;
 * - nesting deeper than {@link MAX_PAYLOAD_DEPTH}.
 *
 * Refused with a {@link PayloadTooLargeError}: more than `maxBytes` bytes of UTF-8 JSON.
 *
 * Cost: primitives and short strings are checked without walking; objects are walked once and
 * only stringified when a cheap size bound exceeds `maxBytes`.
 *
 * Not checked: `-0` (JSON writes `0`), non-index properties on arrays, non-enumerable
 * properties (JSON skips them), getters (they are called, as `JSON.stringify` would call them;
 * one that throws is reported as an {@link InvalidPayloadError} with the error as `cause`).
 *
 * @example
 * ```ts
 * validatePayload({ to: 'a@example.com', tries: 3 }); // fine
 * validatePayload({ items: [{ when: new Date() }] }); // throws InvalidPayloadError: payload.items[0].when is a Date …
 * ```
 */
export function validatePayload(payload: unknown, options: ValidatePayloadOptions = {}): void {
  checkOptionKeys(options, validatePayloadOptionKeys, 'validatePayload');
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  if (typeof maxBytes !== 'number' || !(maxBytes >= 1)) {
    throw new InvalidArgumentError('options.maxBytes', 'a number ≥ 1', maxBytes);
  }
  checkPayload(payload, maxBytes);
}

/** @internal {@link validatePayload} without the option checks, for the submit hot path. */
export function checkPayload(payload: unknown, maxBytes: number): void {
  // Fast paths: no walk, no allocation.
  switch (typeof payload) {
    case 'boolean':
      return;
    case 'number':
      if (Number.isFinite(payload)) return;
      break;
    case 'string':
      if (payload.length * MAX_BYTES_PER_CHAR + 2 <= maxBytes) return;
      break;
    case 'object':
      if (payload === null || flatBound(payload) <= maxBytes) return;
      break;
  }
  const walker = new Walker();
  let bound: number;
  try {
    bound = walker.walk(payload, 0);
  } catch (error) {
    if (error instanceof InvalidPayloadError) throw error;
    // A getter threw while being read.
    throw new InvalidPayloadError(walker.pathString(), 'could not be read (a getter threw)', {
      cause: error,
    });
  }
  if (bound > maxBytes) {
    const bytes = Buffer.byteLength(JSON.stringify(payload), 'utf8');
    if (bytes > maxBytes) throw new PayloadTooLargeError(bytes, maxBytes);
  }
}

/**
 * The size bound of a plain object whose values are all primitives that JSON keeps as they are,
 * without allocating; `Infinity` for anything else (which the full walk then examines).
 */
function flatBound(value: object): number {
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return Number.POSITIVE_INFINITY;
  let bound = 2;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const item = (value as Record<string, unknown>)[key];
    bound += key.length * MAX_BYTES_PER_CHAR + 4;
    switch (typeof item) {
      case 'string':
        bound += item.length * MAX_BYTES_PER_CHAR + 2;
        break;
      case 'number':
        if (!Number.isFinite(item)) return Number.POSITIVE_INFINITY;
        bound += MAX_NUMBER_BYTES;
        break;
      case 'boolean':
        bound += 5;
        break;
      default:
        if (item !== null) return Number.POSITIVE_INFINITY;
        bound += 4;
    }
  }
  // Last, as it allocates: symbol keys, which JSON would drop.
  return Object.getOwnPropertySymbols(value).length === 0 ? bound : Number.POSITIVE_INFINITY;
}

/** Walks a payload depth-first, keeping the path for the error and the ancestors for cycles. */
class Walker {
  private readonly _path: Array<string | number> = [];
  private readonly _ancestors: object[] = [];

  /** Returns an upper bound of `value`'s size as UTF-8 JSON; throws at the first bad value. */
  walk(value: unknown, depth: number): number {
    switch (typeof value) {
      case 'string':
        return value.length * MAX_BYTES_PER_CHAR + 2;
      case 'boolean':
        return 5;
      case 'number':
        if (Number.isFinite(value)) return MAX_NUMBER_BYTES;
        return this.fail(`is ${value} (JSON would write null)`);
      case 'undefined':
        return this.fail(
          this._path.length === 0
            ? 'is undefined (use null for "no payload")'
            : 'is undefined (JSON would drop it or write null)',
        );
      case 'bigint':
        return this.fail('is a BigInt (send it as a string)');
      case 'function':
        return this.fail('is a function');
      case 'symbol':
        return this.fail('is a symbol');
      default:
        return value === null ? 4 : this.walkObject(value as object, depth);
    }
  }

  /** The current path, as `payload.items[3].when`. */
  pathString(): string {
    let out = 'payload';
    for (const segment of this._path) {
      if (typeof segment === 'number') out += `[${segment}]`;
      else if (/^[A-Za-z_$][\w$]*$/.test(segment)) out += `.${segment}`;
      else out += `[${JSON.stringify(segment)}]`;
    }
    return out;
  }

  private walkObject(value: object, depth: number): number {
    if (depth >= MAX_PAYLOAD_DEPTH) {
      return this.fail(`is nested deeper than ${MAX_PAYLOAD_DEPTH} levels`);
    }
    const ancestors = this._ancestors;
    if (ancestors.includes(value)) return this.fail('is a cycle (it contains itself)');
    const path = this._path;
    ancestors.push(value);
    let bound = 2;
    if (Array.isArray(value)) {
      const length = value.length;
      for (let i = 0; i < length; i++) {
        path.push(i);
        bound += this.walk(value[i], depth + 1) + 1;
        path.pop();
      }
    } else {
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return this.fail(describeObject(value));
      if (Object.getOwnPropertySymbols(value).length > 0) {
        return this.fail('has a symbol-keyed property (JSON would drop it)');
      }
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        path.push(key);
        bound +=
          key.length * MAX_BYTES_PER_CHAR +
          4 +
          this.walk((value as Record<string, unknown>)[key], depth + 1);
        path.pop();
      }
    }
    ancestors.pop();
    return bound;
  }

  private fail(problem: string): never {
    throw new InvalidPayloadError(this.pathString(), problem);
  }
}

function describeObject(value: object): string {
  if (value instanceof Date)
    return 'is a Date (JSON would turn it into a string; send toISOString())';
  if (value instanceof Map) return 'is a Map (send Object.fromEntries(map) or an array of pairs)';
  if (value instanceof Set) return 'is a Set (send an array)';
  if (ArrayBuffer.isView(value)) return 'is binary data (send it as a base64 string)';
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== ''
    ? `is a ${name} instance, not a plain object`
    : 'is not a plain object';
}
