// The figures of each mode as a table for the terminal (the full form prints it), and one mode's
// figures as one line (the short form's tests print that as a diagnostic).

import type { TestContext } from 'node:test';
import type { ModeResult } from './server-run.js';
import type { SigtermResult } from './sigterm.js';

const ms = (value: number | null): string => (value === null ? '—' : `${Math.round(value)}`);

/** The columns: a header and how to read each from a result. */
const COLUMNS: ReadonlyArray<readonly [string, (r: ModeResult) => string]> = [
  ['mode', (r) => r.mode.name],
  ['jobs', (r) => `${r.figures.submitted}`],
  ['ok', (r) => `${r.figures.succeeded}`],
  [
    'lost',
    (r) =>
      `${r.figures.lost}${r.figures.exhaustedByDisruption > 0 ? ` (${r.figures.exhaustedByDisruption} spent by kills)` : ''}`,
  ],
  ['run >1×', (r) => `${r.figures.rerunJobs}`],
  ['unexplained re-runs', (r) => `${r.figures.unexplainedReruns}`],
  [
    'lease lost live (failed)',
    (r) => `${r.figures.liveLeaseLossJobs} (${r.figures.failedByLiveLeaseLoss})`,
  ],
  [
    'kills',
    (r) => `${r.figures.kills}${r.figures.outages > 0 ? ` +${r.figures.outages} outage` : ''}`,
  ],
  [
    'backlog@kill',
    (r) =>
      r.figures.kills > 0 && !Number.isNaN(r.maxBacklogAtKill) ? `${r.maxBacklogAtKill}` : '—',
  ],
  ['down ms', (r) => (r.figures.kills > 0 ? `${r.maxDowntimeMs}` : '—')],
  [
    'rescue p50/max ms',
    (r) =>
      r.figures.rescueCount === 0
        ? '—'
        : `${ms(r.figures.rescueP50)}/${ms(r.figures.rescueMax)} (n=${r.figures.rescueCount}${r.figures.rescueMissing > 0 ? `, ${r.figures.rescueMissing} never` : ''})`,
  ],
  ['limit ms', (r) => `${r.figures.rescueLimit}`],
  ['jobs/s', (r) => `${Math.round(r.figures.throughput)}`],
  ['wall s', (r) => (r.wallMs / 1000).toFixed(1)],
  ['exits', (r) => `${r.finished ? '' : 'UNFINISHED '}${r.exitCodes.join(',')}`],
];

/** A plain-text table, one row per mode. */
export function formatTable(results: readonly ModeResult[]): string {
  const rows = [
    COLUMNS.map(([title]) => title),
    ...results.map((r) => COLUMNS.map(([, get]) => get(r))),
  ];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((row) => (row[i] as string).length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) =>
          i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number),
        )
        .join('  '),
    )
    .join('\n');
}

/** One mode's figures on one line, with a few unexplained re-runs. */
export function formatOne(result: ModeResult): string {
  const cells = COLUMNS.map(([title, get]) => `${title}: ${get(result)}`).join('; ');
  const examples = result.figures.examples.map((example) => `\n  e.g. ${example}`).join('');
  return `${cells}${examples}`;
}

/** The SIGTERM cases as a table. */
export function formatSigtermTable(results: readonly SigtermResult[]): string {
  const rows = [
    [
      'case',
      'exit codes (ms after SIGTERM)',
      'streams ok',
      'last events',
      'dup finals',
      'aborted',
      'handed back',
      'ended early',
    ],
    ...results.map((r) => [
      r.name,
      r.exits.map((exit) => `${exit.who} ${exit.code} (${exit.ms})`).join(', '),
      `${r.streamsOk}/${r.tasks}`,
      Object.entries(r.lastEvents)
        .map(([event, n]) => `${event} ${n}`)
        .join(', '),
      `${r.duplicateFinals}`,
      `${r.aborted}`,
      r.handedBack === undefined ? '—' : `${r.handedBack}`,
      r.endedEarly === undefined ? '—' : `${r.endedEarly}`,
    ]),
  ];
  const widths = (rows[0] as string[]).map((_, i) =>
    Math.max(...rows.map((row) => (row[i] as string).length)),
  );
  return rows
    .map((row) => row.map((cell, i) => cell.padEnd(widths[i] as number)).join('  '))
    .join('\n');
}

/** Print `text` as the test's diagnostics, one line each (the reporter escapes newlines). */
export function diagnose(t: TestContext, text: string): void {
  for (const line of text.split('\n')) t.diagnostic(line);
}
