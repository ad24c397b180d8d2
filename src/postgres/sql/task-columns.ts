// The columns of a task record, shared by `getTask` and `listTasks` (see internal/task-row.ts).

import { epochMs } from './statement.js';

/** The SELECT list for a task record of `jobs j`, in schema `s`. */
export function taskColumns(s: string): string {
  return `j.id, j.type, j.state, j.payload, j.result, j.errors, j.cancel_reason, j.attempts,
  j.max_attempts, j.priority, j.job_key, j.locked_by, j.last_seq, j.retry_of,
  ${epochMs('j.created_at')} AS created_at, ${epochMs('j.started_at')} AS started_at,
  ${epochMs('j.finished_at')} AS finished_at, ${epochMs('j.run_at')} AS run_at,
  (SELECT e.data FROM ${s}.events e WHERE e.task_id = j.id AND e.type = 'progress'
    ORDER BY e.seq DESC LIMIT 1) AS progress`;
}
