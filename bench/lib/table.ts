// Printing suite results: an aligned plain-text table for the terminal, or a Markdown one.

import type { CaseResult, Check, Suite } from './harness.js';

const HEADERS = [
  'case',
  'tasks/round',
  'median ms',
  'ratio',
  'min–max ms',
  'cpu ms',
  'gc ms',
  'in-flight B/task',
  'retained',
] as const;

/** The cells of one result row, formatted. */
function cells(result: CaseResult): string[] {
  return [
    result.name,
    `${formatCount(result.n)}${result.scaled ? ' (scaled)' : ''}`,
    result.medianMs.toFixed(1),
    `${result.ratio.toFixed(2)}×`,
    `${result.minMs.toFixed(1)}–${result.maxMs.toFixed(1)}`,
    result.cpuMs.toFixed(1),
    result.gcMs.toFixed(1),
    result.inFlightBytesPerTask === undefined ? '–' : result.inFlightBytesPerTask.toFixed(0),
    formatBytes(result.retainedBytes),
  ];
}

/** The table and the lines under it, as plain aligned text. */
export function formatText(
  suite: Suite,
  n: number,
  rounds: number,
  results: readonly CaseResult[],
  checks: readonly Check[],
): string {
  const rows = [Array.from(HEADERS), ...results.map(cells)];
  const widths = HEADERS.map((_, column) =>
    Math.max(...rows.map((row) => (row[column] as string).length)),
  );
  const line = (row: string[]): string =>
    row
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  ');
  const out = [
    `${suite.name}: ${suite.title}`,
    `N = ${formatCount(n)} tasks; median of ${rounds} rounds after a warm-up; ratio to '${results[0]?.name}'`,
    '',
    line(rows[0] as string[]),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...rows.slice(1).map(line),
    '',
    ...footnotes(suite, rounds, results),
    ...checks.map((check) => `${check.pass ? 'PASS' : 'FAIL'}  ${check.label}: ${check.detail}`),
  ];
  return out.join('\n');
}

/** The same, as Markdown. */
export function formatMarkdown(
  suite: Suite,
  n: number,
  rounds: number,
  results: readonly CaseResult[],
  checks: readonly Check[],
): string {
  const row = (values: readonly string[]): string => `| ${values.join(' | ')} |`;
  const out = [
    `### ${suite.name}: ${suite.title}`,
    '',
    `N = ${formatCount(n)} tasks; median of ${rounds} rounds after a warm-up; ratio to '${results[0]?.name}'.`,
    '',
    row(HEADERS),
    row(HEADERS.map((_, column) => (column === 0 ? '---' : '---:'))),
    ...results.map((result) => row(cells(result))),
    '',
    ...footnotes(suite, rounds, results).map((note) => `- ${note}`),
    ...checks.map(
      (check) => `- **${check.pass ? 'PASS' : 'FAIL'}** ${check.label}: ${check.detail}`,
    ),
  ];
  return out.join('\n');
}

function footnotes(suite: Suite, rounds: number, results: readonly CaseResult[]): string[] {
  const notes: string[] = [];
  for (const result of results) {
    if (result.scaled) {
      notes.push(
        `${result.name}: ran ${formatCount(result.n)} tasks per round; times scaled linearly to N.`,
      );
    }
    if (result.note !== undefined) notes.push(`${result.name}: ${result.note}`);
  }
  notes.push(
    'cpu ms: median process CPU time (user + system, every thread, GC helpers included) over the same span; gc ms: median total of main-thread GC pauses in it.',
    `in-flight B/task: heapUsed after GC with every task spawned and not yet joined, minus before, per task; retained: heapUsed after GC after ${rounds} rounds, minus before them (below zero: memory still held from the warm-up or an earlier case was freed meanwhile; a leak would show as ${rounds} × its per-round size).`,
  );
  if (suite.notes !== undefined) notes.push(...suite.notes);
  return notes;
}

/** `1,000,000`. */
export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** `+1.2 MB`, `-35 KB`, `+0.4 KB`. */
export function formatBytes(bytes: number): string {
  const sign = bytes < 0 ? '-' : '+';
  const abs = Math.abs(bytes);
  if (abs >= 1024 * 1024) return `${sign}${(abs / 1024 / 1024).toFixed(1)} MB`;
  return `${sign}${(abs / 1024).toFixed(abs >= 10 * 1024 ? 0 : 1)} KB`;
}
