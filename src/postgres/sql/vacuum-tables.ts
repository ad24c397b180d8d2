// Reclaim the space of dead rows in an embedded database. A PostgreSQL server's autovacuum does
// this by itself; PGlite runs PostgreSQL in single-user mode, where autovacuum never runs, so
// without it every update of a job (claim, start, outcome) and every retention delete would
// leave a dead row behind for good, and the tables and their indexes would grow without bound.

/** The command (not a statement: VACUUM cannot be prepared, or run in a transaction). */
export function vacuumTables(schema: string): string {
  return `VACUUM ${schema}.jobs, ${schema}.events`;
}
