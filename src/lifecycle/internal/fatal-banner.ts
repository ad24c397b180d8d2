// The FATAL banner written to stderr when a failure takes the process down (a fixed format):
// a box naming what failed, then the error and its full stack, with every `cause` below it.

import type { FatalSource } from '../shutdown-report.js';

const WIDTH = 72;

/** The banner's title line for a failure from `source`. */
export function fatalTitle(source: FatalSource, name: string | undefined): string {
  switch (source) {
    case 'task':
      return `FATAL: Unhandled exception in background task '${name ?? 'unnamed'}'`;
    case 'function':
      return `FATAL: Unhandled exception in fail-fast function '${name ?? 'unnamed'}'`;
    case 'uncaughtException':
      return 'FATAL: Uncaught exception';
    case 'unhandledRejection':
      return 'FATAL: Unhandled promise rejection';
    default:
      return `FATAL: ${name ?? 'Fatal failure'}`;
  }
}

/** The whole banner, ending in a newline. */
export function formatFatalBanner(
  source: FatalSource,
  name: string | undefined,
  error: Error,
  deadlineMs: number,
): string {
  const lines = [
    `╔${'═'.repeat(WIDTH)}╗`,
    `║ ${fatalTitle(source, name)}`,
    `║ The process will now EXIT (code 1) to trigger a restart, after a graceful shutdown`,
    `║ of at most ${deadlineMs} ms that cancels and drains every other task`,
    `╚${'═'.repeat(WIDTH)}╝`,
    '',
    `Exception: ${error.name}: ${error.message}`,
    '',
    'Full stack:',
    error.stack ?? `${error.name}: ${error.message} (no stack)`,
  ];
  const seen = new Set<unknown>([error]);
  let cause = error.cause;
  while (cause !== undefined && !seen.has(cause)) {
    seen.add(cause);
    lines.push(
      '',
      'Caused by:',
      cause instanceof Error ? (cause.stack ?? `${cause.name}: ${cause.message}`) : String(cause),
    );
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return `\n${lines.join('\n')}\n\n`;
}
