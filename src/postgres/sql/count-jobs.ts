// How many jobs are in each state (a full count: for operators and benchmarks, not hot paths).

import { defineStatement } from './statement.js';

/** No params. Returns `state`, `count` rows. */
export const countJobs = defineStatement(
  'count_jobs',
  (s) => `SELECT state, count(*)::int AS count FROM ${s}.jobs GROUP BY state`,
);
