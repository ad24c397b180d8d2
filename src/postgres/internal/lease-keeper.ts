// A worker's lease upkeep, on two timers that never wait for each other. Every quarter of the
// lease: renew the leases of the jobs it holds (ready, running, or with their outcome being
// written) and learn of cancellations a NOTIFY did not bring; give up the jobs whose lease it
// could not renew in time. Every sixteenth of the lease: sweep every worker's expired leases (the
// jobs of a crashed worker go back to the queue within a sixteenth of a lease of expiring: one
// indexed query), now and then delete jobs past their retention, and on an embedded database
// (no autovacuum there) vacuum the tables. A slow sweep must never delay a renewal, or a live
// worker would lose its own leases.

import { CancelReason } from '../../cancel/cancel-reason.js';
import type { Logger } from '../../observe/logger.js';
import { isConflictError, isConnectionError, type SqlDriver } from '../driver.js';
import { deleteFinished } from '../sql/delete-finished.js';
import { reclaimExpired } from '../sql/reclaim-expired.js';
import { renewLeases } from '../sql/renew-leases.js';
import type { SchemaNames } from '../sql/statement.js';
import { vacuumTables } from '../sql/vacuum-tables.js';
import type { ResolvedPostgresOptions } from './resolve-options.js';
import { READY, RUNNING, type RunningJob } from './running-job.js';

/** What the keeper needs from its worker (a part of the worker's context). */
export interface LeaseContext {
  readonly driver: SqlDriver;
  readonly schema: SchemaNames;
  readonly workerId: string;
  readonly logger: Logger;
  readonly options: Pick<
    ResolvedPostgresOptions,
    'name' | 'leaseTimeout' | 'retention' | 'failedRetention'
  >;
}

/** What the keeper does to a job. */
export interface LeaseActions {
  /** The lease is gone: stop the job here. */
  lose(job: RunningJob, why: string): void;
  /** A cancellation is pending in the database. */
  cancel(job: RunningJob, reason: CancelReason): void;
}

const SWEEP_BATCH = 500;
/** What the lost attempt's error says of a worker whose lease ran out. */
export const STOPPED_RENEWING =
  'stopped renewing its lease (it crashed, hung or lost the database)';
const RETENTION_EVERY_MS = 60_000;
const RETENTION_BATCH = 1_000;
/** Often enough that each vacuum has little to do (milliseconds under full load). */
const VACUUM_EVERY_MS = 10_000;

/** See the file comment. */
export class LeaseKeeper {
  private _renewTimer: NodeJS.Timeout | undefined = undefined;
  private _sweepTimer: NodeJS.Timeout | undefined = undefined;
  private _renewing = false;
  private _sweeping = false;
  private _stopped = false;
  private _lastRetention = 0;
  private _lastVacuum = 0;

  constructor(
    private readonly _ctx: LeaseContext,
    private readonly _held: ReadonlyMap<string, RunningJob>,
    private readonly _actions: LeaseActions,
  ) {}

  /** Start both timers. */
  start(): void {
    const lease = this._ctx.options.leaseTimeout;
    this._renewTimer = setInterval(() => {
      // Even while a renewal hangs (a network cut), leases that ran out are given up here.
      this._expireLocally();
      void this.renewRound();
    }, lease / 4);
    this._sweepTimer = setInterval(() => void this.sweepRound(), lease / 16);
    // Sweep once at start: a crashed predecessor's jobs need not wait a tick.
    void this.sweepRound();
  }

  /** Stop both timers (leases of jobs still held will expire). */
  stop(): void {
    this._stopped = true;
    clearInterval(this._renewTimer);
    clearInterval(this._sweepTimer);
    this._renewTimer = undefined;
    this._sweepTimer = undefined;
  }

  /** Renew the leases held; one round at a time. Never rejects. */
  async renewRound(): Promise<void> {
    if (this._renewing || this._stopped) return;
    this._renewing = true;
    try {
      await this._renew();
    } finally {
      this._renewing = false;
    }
  }

  /** Sweep expired leases, then the retention; one round at a time. Never rejects. */
  async sweepRound(): Promise<void> {
    if (this._sweeping || this._stopped) return;
    this._sweeping = true;
    try {
      await this._sweep();
      // A round in flight when the backend stops goes no further: the pool is closing.
      if (!this._stopped) await this._retention();
      if (!this._stopped) await this._vacuum();
    } finally {
      this._sweeping = false;
    }
  }

  private async _renew(): Promise<void> {
    const jobs = [...this._held.values()].filter((job) => !job.leaseLost);
    if (jobs.length === 0) return;
    const { driver, schema, workerId, options } = this._ctx;
    const startedAt = performance.now();
    let rows: Array<{ id: string; cancel_requested: { kind: string; message: string } | null }>;
    try {
      const attempts: Record<string, number> = {};
      for (const job of jobs) attempts[job.id] = job.attempt;
      rows = await driver.query(renewLeases(schema), [
        workerId,
        Object.keys(attempts),
        JSON.stringify(attempts),
        Math.round(options.leaseTimeout),
      ]);
    } catch (error) {
      this._log(error, 'renewing leases failed');
      this._expireLocally();
      return;
    }
    const renewed = new Map(rows.map((row) => [row.id, row.cancel_requested]));
    for (const job of jobs) {
      // A job whose outcome is being written may have been written meanwhile: the write says
      // whether its lease held.
      if (job.phase !== READY && job.phase !== RUNNING) continue;
      if (!renewed.has(job.id)) {
        this._actions.lose(job, 'another worker took the job over after the lease expired');
        continue;
      }
      job.leaseUntil = startedAt + options.leaseTimeout;
      const requested = renewed.get(job.id);
      if (requested != null && CancelReason.is(requested)) this._actions.cancel(job, requested);
    }
  }

  /** Without a renewal, a lease whose time is up may already be another worker's: give it up. */
  private _expireLocally(): void {
    const now = performance.now();
    for (const job of this._held.values()) {
      const live = job.phase === READY || job.phase === RUNNING;
      if (live && !job.leaseLost && job.leaseUntil <= now) {
        this._actions.lose(job, 'it could not be renewed in time (database unavailable or slow)');
      }
    }
  }

  private async _sweep(): Promise<void> {
    const { driver, schema } = this._ctx;
    try {
      const rows = await driver.query<{ id: string; state: string }>(reclaimExpired(schema), [
        SWEEP_BATCH,
        schema.channel,
        false,
        STOPPED_RENEWING,
      ]);
      if (rows.length > 0) {
        this._ctx.logger.warn(
          { backend: this._ctx.options.name, jobs: rows.map((row) => row.id) },
          `postgres: reclaimed ${rows.length} job(s) whose worker stopped renewing its lease`,
        );
      }
    } catch (error) {
      this._log(error, 'sweeping expired leases failed');
    }
  }

  private async _retention(): Promise<void> {
    const now = Date.now();
    if (now - this._lastRetention < RETENTION_EVERY_MS) return;
    this._lastRetention = now;
    const { driver, schema, options } = this._ctx;
    try {
      await driver.query(deleteFinished(schema), [
        options.retention,
        options.failedRetention,
        RETENTION_BATCH,
      ]);
    } catch (error) {
      this._log(error, 'deleting old jobs failed');
    }
  }

  /** On PGlite (single-user PostgreSQL: no autovacuum), vacuum the tables now and then. */
  private async _vacuum(): Promise<void> {
    const { driver, schema } = this._ctx;
    if (driver.kind !== 'pglite') return;
    const now = Date.now();
    if (now - this._lastVacuum < VACUUM_EVERY_MS) return;
    this._lastVacuum = now;
    try {
      await driver.exec(vacuumTables(schema.quoted));
    } catch (error) {
      this._log(error, 'vacuuming the embedded database failed');
    }
  }

  private _log(error: unknown, what: string): void {
    // After stop() the pool is being closed under a query still in flight: not a failure.
    if (this._stopped) return;
    this._ctx.logger[isConnectionError(error) || isConflictError(error) ? 'warn' : 'error'](
      { err: error, backend: this._ctx.options.name },
      `postgres: ${what}`,
    );
  }
}
