// Exponential backoff between restarts of the same supervised child.

/** How the wait before a restart grows. All fields are already validated. */
export interface BackoffPolicy {
  /** The wait before the first restart, in ms. */
  readonly initialMs: number;
  /** The longest wait, in ms. */
  readonly maxMs: number;
  /** How much each consecutive restart multiplies the wait by (≥ 1). */
  readonly factor: number;
  /** The fraction (0..1) of the wait that is randomised away. */
  readonly jitter: number;
}

/**
 * The wait before the `attempt`-th consecutive restart (1-based): `initialMs × factor^(attempt-1)`
 * capped at `maxMs`, then drawn uniformly from `[wait × (1 − jitter), wait]`. Jitter 0 gives the
 * exact wait; jitter 1 is AWS's "full jitter". Never more than `maxMs`, never negative.
 */
export function backoffDelay(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, attempt - 1);
  const base = Math.min(policy.maxMs, policy.initialMs * policy.factor ** exponent);
  const delay = base * (1 - policy.jitter * random());
  return Math.max(0, Math.round(delay));
}
