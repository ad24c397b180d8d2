/**
 * The small SQL driver interface the Postgres backend runs on, with two adapters: `pg` (a pool
 * plus one dedicated LISTEN connection) and PGlite (one embedded connection with its own
 * `listen()`). Every query of the backend goes through it, with the same SQL on both engines.
 *
 * @module
 */

/**
 * One parameterised SQL statement. `name` makes it a named prepared statement on drivers that
 * support them (`pg`: parsed once per connection); PGlite ignores it.
 */
export interface Statement {
  /** Unique per distinct `text` (it embeds a hash of the schema). */
  readonly name: string;
  /** The SQL, with `$1`, `$2`… placeholders. */
  readonly text: string;
}

/** Something that runs statements: the driver itself, or a transaction. */
export interface SqlQueryable {
  /** Run one statement and return its rows (column names as keys). */
  query<R = Record<string, unknown>>(
    statement: Statement | string,
    params?: readonly unknown[],
  ): Promise<R[]>;
  /** Run a script of several statements, without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/** Whether the driver's connections currently work. */
export interface DriverHealth {
  /** The last query reached the database (false after a connection error, until one succeeds). */
  readonly database: boolean;
  /** The LISTEN connection is up (PGlite: always, while open). */
  readonly listener: boolean;
}

/** What the driver tells its owner about its LISTEN connection. */
export interface ListenHandlers {
  /** A notification arrived on the channel. */
  notification(payload: string): void;
  /** The LISTEN connection came back after a loss: notifications may have been missed. */
  reconnected(): void;
}

/**
 * A connection to one database: queries, transactions, one LISTEN channel, health.
 *
 * **Invariants.** `query` never retries by itself; a connection error rejects the call (see
 * `isConnectionError`) and marks `health.database` false until a query succeeds again. The
 * LISTEN connection reconnects by itself with backoff and calls `reconnected` when it is back.
 */
export interface SqlDriver extends SqlQueryable {
  /** `pg` or `pglite`. */
  readonly kind: 'pg' | 'pglite';
  /**
   * True when the driver opened an embedded database itself (PGlite on a data directory or in
   * memory): nobody else can hold a lease in it, so the running jobs it finds at start belong to
   * a previous owner that is gone.
   */
  readonly exclusive: boolean;
  /** The current health. */
  readonly health: DriverHealth;
  /** Run `fn` in a transaction (committed when it resolves, rolled back when it rejects). */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  /** Listen on `channel` (a plain lowercase identifier); once per driver. */
  listen(channel: string, handlers: ListenHandlers): Promise<void>;
  /** Stop listening and close what the driver opened (an instance passed in stays open). */
  close(): Promise<void>;
}

/**
 * SQLSTATEs of a statement rolled back because it conflicted with another one (serialization
 * failure, deadlock, lock not available): nothing was written, and running it again may work.
 */
const CONFLICT_SQLSTATES = new Set(['40001', '40P01', '55P03']);

/** True when `error` is a conflict with a concurrent statement (see {@link CONFLICT_SQLSTATES}). */
export function isConflictError(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null && (error as { code?: unknown }).code;
  return typeof code === 'string' && CONFLICT_SQLSTATES.has(code);
}

/** PostgreSQL error codes (SQLSTATE classes) that mean the connection, not the query, failed. */
const CONNECTION_SQLSTATES = /^(08|57P0[1-3]|53300|3D000)/;
const CONNECTION_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * True when `error` says the database could not be reached or the connection broke (retrying
 * later may work), rather than that the statement itself is wrong.
 *
 * @example
 * ```ts
 * try { await driver.query(statement, params); } catch (e) { if (isConnectionError(e)) retryLater(); }
 * ```
 */
export function isConnectionError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (CONNECTION_ERRNOS.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code)) return CONNECTION_SQLSTATES.test(code);
  }
  const message = (error as { message?: unknown }).message;
  return (
    typeof message === 'string' &&
    /Connection terminated|connection is closed|Client has encountered a connection error|timeout exceeded when trying to connect|Query read timeout|Client was closed|not queryable|PGlite is closed/i.test(
      message,
    )
  );
}
