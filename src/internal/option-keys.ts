// The one check that an options object has no key its function does not take, so a typo
// (`{ deadline: 500 }` for `deadlineMs`) fails at the call instead of silently running with a
// default. It needs only errors.ts, so it sits below every layer: cancel/, observe/ and all
// above it import it without importing upward.

import { InvalidArgumentError } from '../errors.js';

declare const KEYS: unique symbol;

/**
 * The keys an options interface takes, built once, next to the interface's defaults, with
 * {@link optionKeys}. `K` is their union: `optionKeys(…) satisfies OptionKeys<keyof XOptions>`
 * fails to compile when the set misses a key of the interface or has one it lacks, so adding an
 * option without adding its key cannot slip through.
 */
export interface OptionKeys<K extends string = string> extends ReadonlySet<K> {
  /** Compile time only (never set): makes `K` invariant, so `satisfies` checks both ways. */
  readonly [KEYS]?: (key: K) => K;
}

/** The keys listed. */
export function optionKeys<const K extends string>(keys: readonly K[]): OptionKeys<K>;
/** The keys of a defaults object, plus the keys that have no default. */
export function optionKeys<D extends object, const K extends string = never>(
  defaults: D,
  others?: readonly K[],
): OptionKeys<(keyof D & string) | K>;
export function optionKeys(
  first: object | readonly string[],
  others: readonly string[] = [],
): OptionKeys {
  return new Set(Array.isArray(first) ? first : [...Object.keys(first), ...others]);
}

/**
 * Throw {@link InvalidArgumentError} when `options` has an own string key that is not in
 * `keys`, naming the key, where it was given (`<context> <path>`) and the nearest valid key
 * when one is close (else every valid key). A key whose value is `undefined` counts like any
 * other; symbol keys are ignored. Anything but a non-null object is left to the caller's own
 * checks. Costs one property walk, no allocation, when every key is known.
 *
 * @param context - what was called: `'PostgresBackend'`, `'Runtime.shutdown'`, `'withTimeout'`.
 * @param path - which argument (or part of one) `options` is: `'options'`, `'options.backoff'`,
 *   `'task'`, `'children[0]'`.
 */
export function checkOptionKeys(
  options: unknown,
  keys: ReadonlySet<string>,
  context: string,
  path = 'options',
): void {
  if (typeof options !== 'object' || options === null) return;
  // `for…in` rather than `Object.keys`: no array per call on hot paths such as `submit`.
  for (const key in options) {
    if (keys.has(key) || !Object.hasOwn(options, key)) continue;
    const valid = [...keys].sort();
    throw InvalidArgumentError.unknownOption(
      `${context} ${path}`,
      `${path}.${key}`,
      key,
      valid,
      nearestKey(key, valid),
    );
  }
}

/**
 * The valid key `key` most likely stands for, or `undefined` when none is close: the same key
 * in another case (`runat`), else the nearest within a few edits (`timout`, `deadline` for
 * `deadlineMs`), else the only key sharing a long prefix with it (`leaseMs` for `leaseTimeout`).
 */
export function nearestKey(key: string, valid: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const candidates = valid.map((name) => ({ name, lower: name.toLowerCase() }));
  const sameCase = candidates.find((candidate) => candidate.lower === lower);
  if (sameCase !== undefined) return sameCase.name;

  const maxEdits = Math.max(1, Math.floor(key.length / 3));
  let nearest: string | undefined;
  let nearestEdits = maxEdits + 1;
  for (const candidate of candidates) {
    const edits = editDistance(lower, candidate.lower);
    if (edits < nearestEdits) {
      nearest = candidate.name;
      nearestEdits = edits;
    }
  }
  if (nearest !== undefined) return nearest;

  // A shared prefix of at least 4 characters and half the key; two keys sharing as long a
  // prefix (`shutdownMs`: `shutdownTimeout`, `shutdownGrace`) make it a guess: none.
  const minPrefix = Math.max(4, Math.ceil(key.length / 2));
  let best: string | undefined;
  let bestLength = 0;
  let tied = false;
  for (const candidate of candidates) {
    const length = commonPrefix(lower, candidate.lower);
    if (length > bestLength) {
      best = candidate.name;
      bestLength = length;
      tied = false;
    } else if (length === bestLength) tied = true;
  }
  return bestLength >= minPrefix && !tied ? best : undefined;
}

/** Edits (insert, delete, replace, swap two neighbours) that turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  // Three rows of the optimal-string-alignment table suffice: this one and the two before.
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, (before[j - 2] as number) + 1);
      }
      current.push(value);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length] as number;
}

function commonPrefix(a: string, b: string): number {
  let length = 0;
  while (length < a.length && length < b.length && a[length] === b[length]) length++;
  return length;
}
