// Task records by id: one statement for every record asked for in the same event-loop turn.

import { defineStatement } from './statement.js';
import { taskColumns } from './task-columns.js';

/** Params: `$1` the ids. Returns the rows of those that exist, in no particular order. */
export const getTasks = defineStatement(
  'get_tasks',
  (s) => `SELECT ${taskColumns(s)} FROM ${s}.jobs j WHERE j.id = ANY ($1::text[])`,
);
