// How many jobs a worker claims ahead of its free slots. Fixed when the `prefetch` option is a
// number; with 'auto', enough to keep the slots busy while the next claim travels to the
// database and back: concurrency × (claim latency ÷ job duration), doubled for slack, both
// measured as moving averages. Short jobs get a deep local queue (few, large claims); long jobs
// get none (a job never waits here while another worker sits idle). Never more than the slots
// run in a sixteenth of the lease: a dead worker's job, back in the queue, waits behind at most
// that much work already claimed ahead by the others.

/** The most jobs 'auto' keeps claimed ahead. */
export const MAX_AUTO_PREFETCH = 500;
const WEIGHT = 0.2;

/** See the file comment. */
export class Prefetch {
  private _claimMs = 5;
  private _jobMs: number | undefined = undefined;

  constructor(
    private readonly _setting: number | 'auto',
    private readonly _concurrency: number,
    private readonly _leaseTimeout: number,
  ) {}

  /** How many jobs to hold beyond the running ones. */
  get size(): number {
    if (this._setting !== 'auto') return this._setting;
    const jobMs = this._jobMs;
    if (jobMs === undefined) return this._concurrency;
    const perJob = Math.max(jobMs, 0.01);
    const wanted = (2 * this._concurrency * this._claimMs) / perJob;
    const withinLease = (this._concurrency * this._leaseTimeout) / 16 / perJob;
    return Math.min(MAX_AUTO_PREFETCH, Math.ceil(wanted), Math.ceil(withinLease));
  }

  /** A claim took `ms`. */
  claimed(ms: number): void {
    this._claimMs += WEIGHT * (ms - this._claimMs);
  }

  /** A job ran for `ms`. */
  ran(ms: number): void {
    this._jobMs = this._jobMs === undefined ? ms : this._jobMs + WEIGHT * (ms - this._jobMs);
  }
}
