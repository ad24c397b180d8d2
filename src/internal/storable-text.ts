// Text the database always accepts. PostgreSQL refuses NUL in `text` and in `jsonb` strings,
// and a lone UTF-16 surrogate (half of an emoji, say) in `jsonb`; a refused write of a task's
// outcome or cancellation would otherwise leave the task to run again. So every string Warden
// stores that came from a user or a handler (reasons, messages, names, codes) goes through here.

/**
 * `text` as the database stores it faithfully: each lone surrogate replaced by U+FFFD (as
 * `toWellFormed()` does), each NUL removed, and, past `max` UTF-16 units, clipped with an ellipsis on a code-point boundary (never
 * between the two halves of a character).
 *
 * @example
 * ```ts
 * storableText('\uD83D', 10); // '\uFFFD'
 * storableText('ab😀cd', 4); // 'ab…' (the emoji is not cut in half)
 * ```
 */
export function storableText(text: string, max = Number.POSITIVE_INFINITY): string {
  let clean = text.isWellFormed() ? text : text.toWellFormed();
  if (clean.includes('\u0000')) clean = clean.replaceAll('\u0000', '');
  if (clean.length <= max) return clean;
  let end = Math.max(0, max - 1);
  const last = clean.charCodeAt(end - 1);
  // Ending on a high surrogate would cut a character in half.
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${clean.slice(0, end)}…`;
}

/** True when `text` can be stored as it is (no NUL, no lone surrogate). */
export function isStorableText(text: string): boolean {
  return text.isWellFormed() && !text.includes('\u0000');
}
