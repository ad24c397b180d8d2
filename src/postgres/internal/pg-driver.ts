// The `pg` adapter of `SqlDriver`: a pool for queries (named prepared statements, cached per
// connection by `pg`) and one dedicated connection for LISTEN that reconnects by itself with
// backoff and pings now and then, so a silently dead connection is noticed.

import type { Client, Pool, PoolClient, PoolConfig } from 'pg';
import type { Logger } from '../../observe/logger.js';
import {
  type DriverHealth,
  isConnectionError,
  type ListenHandlers,
  type SqlDriver,
  type SqlQueryable,
  type Statement,
} from '../driver.js';

/** How the LISTEN connection backs off between reconnection attempts, in ms. */
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;
/** How often the LISTEN connection is pinged, and how long a ping may take. */
const PING_INTERVAL_MS = 15_000;
const PING_TIMEOUT_MS = 10_000;

/** What {@link openPgDriver} needs. */
export interface PgDriverOptions {
  readonly connectionString: string | undefined;
  readonly poolSize: number;
  readonly poolConfig: PoolConfig | undefined;
  readonly logger: Logger;
  readonly name: string;
}

/** Open a pool on `connectionString` (loading `pg` on first use). */
export async function openPgDriver(options: PgDriverOptions): Promise<SqlDriver> {
  const pg = (await import('pg')).default;
  const config: PoolConfig = {
    max: options.poolSize,
    connectionTimeoutMillis: 5_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    // A query on a connection whose peer vanished (a network cut) fails instead of hanging.
    query_timeout: 30_000,
    ...options.poolConfig,
  };
  if (options.connectionString !== undefined) config.connectionString = options.connectionString;
  const pool = new pg.Pool(config);
  return new PgDriver(pool, () => new pg.Client(config), options);
}

class PgDriver implements SqlDriver {
  readonly kind = 'pg';
  readonly exclusive = false;
  private _database = true;
  private _listenerUp = false;
  private _closed = false;
  private _client: Client | undefined = undefined;
  private _channel: string | undefined = undefined;
  private _handlers: ListenHandlers | undefined = undefined;
  private _reconnectTimer: NodeJS.Timeout | undefined = undefined;
  private _pingTimer: NodeJS.Timeout | undefined = undefined;
  private _backoff = RECONNECT_MIN_MS;
  /** The LISTEN connection was down since it last worked: notifications may have been missed. */
  private _missed = false;

  constructor(
    private readonly _pool: Pool,
    private readonly _newClient: () => Client,
    private readonly _options: PgDriverOptions,
  ) {
    // An idle pooled connection that breaks emits 'error' on the pool; unhandled, it would
    // crash the process. The next query reconnects.
    _pool.on('error', (error) => {
      this._database = false;
      this._options.logger.warn(
        { err: error, backend: _options.name },
        'postgres: an idle pooled connection failed',
      );
    });
  }

  get health(): DriverHealth {
    return { database: this._database, listener: this._listenerUp };
  }

  async query<R>(statement: Statement | string, params: readonly unknown[] = []): Promise<R[]> {
    try {
      const result =
        typeof statement === 'string'
          ? await this._pool.query(statement, params as unknown[])
          : await this._pool.query({
              name: statement.name,
              text: statement.text,
              values: params as unknown[],
            });
      this._database = true;
      return result.rows as R[];
    } catch (error) {
      if (isConnectionError(error)) this._database = false;
      throw error;
    }
  }

  async exec(sql: string): Promise<void> {
    await this.query(sql);
  }

  async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this._pool.connect();
    } catch (error) {
      if (isConnectionError(error)) this._database = false;
      throw error;
    }
    const tx: SqlQueryable = {
      query: async <R>(statement: Statement | string, params: readonly unknown[] = []) => {
        const result =
          typeof statement === 'string'
            ? await client.query(statement, params as unknown[])
            : await client.query({
                name: statement.name,
                text: statement.text,
                values: params as unknown[],
              });
        return result.rows as R[];
      },
      exec: async (sql: string) => {
        await client.query(sql);
      },
    };
    let failure: unknown;
    try {
      await client.query('BEGIN');
      const value = await fn(tx);
      await client.query('COMMIT');
      this._database = true;
      return value;
    } catch (error) {
      failure = error;
      if (isConnectionError(error)) this._database = false;
      else await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      // A connection that broke is destroyed rather than returned to the pool.
      client.release(failure !== undefined && isConnectionError(failure) ? true : undefined);
    }
  }

  async listen(channel: string, handlers: ListenHandlers): Promise<void> {
    this._channel = channel;
    this._handlers = handlers;
    await this._connectListener();
  }

  async close(): Promise<void> {
    this._closed = true;
    clearTimeout(this._reconnectTimer);
    clearInterval(this._pingTimer);
    const client = this._client;
    this._client = undefined;
    this._listenerUp = false;
    if (client !== undefined) await client.end().catch(() => {});
    await this._pool.end().catch(() => {});
  }

  /** Connect the LISTEN client; on failure, schedule another try. Never rejects after start. */
  private async _connectListener(): Promise<void> {
    const channel = this._channel as string;
    const client = this._newClient();
    client.on('notification', (message) => {
      if (message.channel === channel) this._handlers?.notification(message.payload ?? '');
    });
    client.on('error', (error) => this._listenerLost(client, error));
    client.on('end', () => this._listenerLost(client, undefined));
    try {
      await client.connect();
      await client.query(`LISTEN "${channel}"`);
    } catch (error) {
      client.end().catch(() => {});
      if (this._closed) return;
      this._scheduleReconnect(error);
      return;
    }
    if (this._closed) {
      await client.end().catch(() => {});
      return;
    }
    const missed = this._missed;
    this._missed = false;
    this._client = client;
    this._listenerUp = true;
    this._backoff = RECONNECT_MIN_MS;
    clearInterval(this._pingTimer);
    this._pingTimer = setInterval(() => this._ping(client), PING_INTERVAL_MS);
    this._pingTimer.unref();
    if (missed) {
      this._options.logger.info({ backend: this._options.name }, 'postgres: LISTEN reconnected');
      this._handlers?.reconnected();
    }
  }

  private _listenerLost(client: Client, error: unknown): void {
    if (this._client !== client) return;
    this._client = undefined;
    this._listenerUp = false;
    clearInterval(this._pingTimer);
    client.end().catch(() => {});
    if (this._closed) return;
    this._options.logger.warn(
      { err: error, backend: this._options.name },
      'postgres: the LISTEN connection was lost; reconnecting',
    );
    this._scheduleReconnect(error);
  }

  private _scheduleReconnect(error: unknown): void {
    if (this._closed) return;
    this._missed = true;
    const delay = this._backoff;
    this._backoff = Math.min(RECONNECT_MAX_MS, this._backoff * 2);
    this._options.logger.debug(
      { err: error, backend: this._options.name, delayMs: delay },
      'postgres: LISTEN connection down; retrying',
    );
    this._reconnectTimer = setTimeout(() => void this._connectListener(), delay);
    this._reconnectTimer.unref();
  }

  private _ping(client: Client): void {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('LISTEN ping timed out')), PING_TIMEOUT_MS);
    });
    Promise.race([client.query('SELECT 1'), timeout]).then(
      () => clearTimeout(timer),
      (error: unknown) => {
        clearTimeout(timer);
        this._listenerLost(client, error);
      },
    );
  }
}
