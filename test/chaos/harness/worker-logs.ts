// What the processes of a run logged at warn or above, folded by message: a failing assertion
// carries it, so a run that went wrong on another machine says why (a renewal that failed, a
// write that conflicted) and not only how much.

import type { WardenProcess } from '../../cli/helpers.js';

const WARN = 40;
const MOST = 12;

/** One line per distinct message at warn or above, most frequent first (at most {@link MOST}). */
export function warningsOf(processes: readonly WardenProcess[]): string[] {
  const counts = new Map<string, number>();
  for (const process of processes) {
    const stderr = process.output().split('\n--- stderr ---\n')[1] ?? '';
    for (const line of stderr.split('\n')) {
      const entry = parse(line);
      if (entry === undefined || entry.level < WARN) continue;
      const error = entry.err?.message === undefined ? '' : ` (${entry.err.message})`;
      const key = `${entry.level >= 50 ? 'error' : 'warn'}: ${entry.msg ?? ''}${error}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, MOST)
    .map(([key, count]) => `${count}× ${key}`);
}

/** The warnings as the tail of an assertion message (empty when there are none). */
export function formatWarnings(warnings: readonly string[]): string {
  return warnings.length === 0 ? '' : `\n  logged:\n    ${warnings.join('\n    ')}`;
}

function parse(
  line: string,
): { level: number; msg?: string; err?: { message?: string } } | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const entry = JSON.parse(line) as { level?: unknown };
    return typeof entry.level === 'number' ? (entry as never) : undefined;
  } catch {
    return undefined;
  }
}
