// One task record by id.

import { defineStatement } from './statement.js';
import { taskColumns } from './task-columns.js';

/** Params: `$1` id. Returns the task's row, or nothing. */
export const getTask = defineStatement(
  'get_task',
  (s) => `SELECT ${taskColumns(s)} FROM ${s}.jobs j WHERE j.id = $1::text`,
);
