// A page of task records, newest first, filtered by state and type.

import { defineStatement } from './statement.js';
import { taskColumns } from './task-columns.js';

/**
 * Params: `$1` states (null: any), `$2` type (null: any), `$3` the id to continue after (null:
 * from the newest), `$4` page size. Returns the rows, newest first.
 */
export const listTasks = defineStatement(
  'list_tasks',
  (s) => `
SELECT ${taskColumns(s)} FROM ${s}.jobs j
WHERE ($1::text[] IS NULL OR j.state = ANY($1::text[]))
  AND ($2::text IS NULL OR j.type = $2::text)
  AND ($3::text IS NULL OR j.seq < (SELECT c.seq FROM ${s}.jobs c WHERE c.id = $3::text))
ORDER BY j.seq DESC
LIMIT $4::int`,
);
