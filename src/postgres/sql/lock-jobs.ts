// How a statement that writes several job rows takes their row locks: all at once, in id order,
// before it writes. Statements that lock in one order never wait for each other in a cycle;
// locks taken in scan order can (a generic plan scans the running jobs by lease, a custom one by
// id), and PostgreSQL breaks such a deadlock only after `deadlock_timeout` (one second by
// default): as long as the shortest lease, so the leases both statements were renewing or
// writing would run out. The claim and the lease sweep skip locked rows instead of waiting.

/**
 * The body of a `MATERIALIZED` CTE that locks the rows of `jobs j` whose id is in `ids` (an SQL
 * expression for a `text[]`) and that satisfy `where` (an SQL condition on `j`), in id order, and
 * yields their `id`.
 */
export function lockJobsById(schema: string, ids: string, where: string): string {
  return `SELECT j.id FROM ${schema}.jobs j WHERE j.id = ANY (${ids}) AND (${where})
  ORDER BY j.id FOR UPDATE`;
}
