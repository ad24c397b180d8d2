// OTP's restart intensity: at most `maxRestarts` restarts within any window of `periodMs`.

/**
 * A sliding window of restart times. {@link RestartIntensity.record} says whether one more
 * restart is still allowed; the first one beyond the limit means the supervisor gives up.
 * Uses a monotonic clock, so changes to the wall clock do not matter.
 */
export class RestartIntensity {
  private readonly _times: number[] = [];

  constructor(
    readonly maxRestarts: number,
    readonly periodMs: number,
  ) {}

  /**
   * Count a restart at `now` (ms, monotonic). Returns `false` when it makes more than
   * `maxRestarts` restarts within the last `periodMs`.
   */
  record(now: number = performance.now()): boolean {
    const times = this._times;
    times.push(now);
    const oldest = now - this.periodMs;
    let expired = 0;
    while (expired < times.length && (times[expired] as number) <= oldest) expired++;
    if (expired > 0) times.splice(0, expired);
    return times.length <= this.maxRestarts;
  }
}
