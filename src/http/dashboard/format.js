// Small pure helpers that turn task records and events into text.

const NUMERATORS = ['value', 'current', 'done', 'completed', 'count', 'bytes', 'step'];
const DENOMINATORS = ['total', 'max', 'of'];

function finite(value) {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * A task's `progress` as a fraction in 0..1, or undefined when it is not one: a number in 0..1,
 * or an object with a count and a positive total (`{ value, total }`, `{ bytes, total }`,
 * `{ done, of }`…), or `{ value }` with a value in 0..1 (a progress event's own payload).
 */
export function progressFraction(progress) {
  if (finite(progress)) return progress >= 0 && progress <= 1 ? progress : undefined;
  if (progress === null || typeof progress !== 'object' || Array.isArray(progress)) {
    return undefined;
  }
  const numerator = NUMERATORS.map((key) => progress[key]).find(finite);
  const total = DENOMINATORS.map((key) => progress[key]).find(finite);
  if (numerator === undefined) return undefined;
  if (total === undefined) return progressFraction(progress.value);
  if (total <= 0) return undefined;
  return Math.min(1, Math.max(0, numerator / total));
}

/** Compact JSON for a table cell or a log line; `undefined` is shown as an em dash. */
export function compactJson(value) {
  if (value === undefined) return '—';
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** Indented JSON for a detail block. */
export function prettyJson(value) {
  return JSON.stringify(value, null, 2) ?? 'null';
}

/** A time in ms since the epoch as local `HH:MM:SS.mmm`, or an em dash. */
export function clockTime(ms) {
  if (!finite(ms)) return '—';
  const date = new Date(ms);
  const pad = (n, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** Whether a task in `status` can still be cancelled. */
export function isLive(status) {
  return status === 'queued' || status === 'running';
}

/** Of two records of the same task, the one that has seen more events (ties: `b`). */
export function newerRecord(a, b) {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a.lastEventId > b.lastEventId ? a : b;
}
