// The log line a backend writes at the end of its shutdown: `info` when every task finished,
// `warn` naming the tasks it had to cancel otherwise.

import type { Logger } from '../../observe/logger.js';
import type { BackendShutdownReport } from '../task-backend.js';

/** How many stragglers the log entry lists (the returned report has them all). */
const LOGGED_STRAGGLERS = 50;
/** How many are named in the message itself. */
const NAMED_IN_MESSAGE = 5;

/** Log `report` for the backend `name`. */
export function logShutdownReport(
  logger: Logger,
  name: string,
  report: BackendShutdownReport,
): void {
  const { cancelled, abandoned } = report;
  const fields = {
    backend: name,
    completed: report.completed,
    cancelledCount: cancelled.length,
    cancelled: cancelled.slice(0, LOGGED_STRAGGLERS),
    abandonedCount: abandoned.length,
    abandoned: abandoned.slice(0, LOGGED_STRAGGLERS),
    durationMs: Math.round(report.durationMs),
  };
  if (cancelled.length === 0) {
    logger.info(fields, `backend '${name}' shut down: every task finished`);
    return;
  }
  const names = cancelled
    .slice(0, NAMED_IN_MESSAGE)
    .map((task) => `${task.type} (${task.id})`)
    .join(', ');
  const more =
    cancelled.length > NAMED_IN_MESSAGE ? ` and ${cancelled.length - NAMED_IN_MESSAGE} more` : '';
  const still =
    abandoned.length > 0 ? `; ${abandoned.length} still running after the grace period` : '';
  logger.warn(
    fields,
    `backend '${name}' shut down: cancelled ${cancelled.length} unfinished task(s): ${names}${more}${still}`,
  );
}
