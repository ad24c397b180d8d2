// The poll behind the event followers: the latest seq of every task this process follows, in
// one statement (a NOTIFY may have been missed; only a task whose seq moved is read again).
// `last_seq` moves with every event of the stream: handler events and `started`
// (sql/insert-events.ts, sql/complete-jobs.ts) and the terminal event.

import { defineStatement } from './statement.js';

/** Params: `$1` the task ids. Rows: `id`, `last_seq`, for the ids that exist. */
export const followedSeqs = defineStatement(
  'followed_seqs',
  (s) => `SELECT id, last_seq FROM ${s}.jobs WHERE id = ANY ($1::text[])`,
);
