// An optional fast path between a backend and a consumer that can take events in batches (the
// coordinator's subscriber pump): a backend may offer, under the FOLLOW_BATCHES symbol, a way to
// follow a task whose reads resolve with every event available at once (a burst of emits costs
// one promise, not one per event) and that is stopped by a plain `close()` (no AbortSignal per
// follower). Consumers check for it and otherwise use `events()`; a backend need not offer it.
//
// A batch follower also says whether what it yields next is already stored (`paced`): the task
// has ended (nothing more will be recorded), or, on a durable backend, the follower is still
// reading the task's stored history. Then the consumer may read at its own pace, and nothing
// piles up; once it follows live events, they are the consumer's to keep up with (the
// subscriber's `overflow`).

import type { TaskEvent } from '../task-events.js';

/** The key of the batch-follow method on a backend. */
export const FOLLOW_BATCHES: unique symbol = Symbol('warden.followBatches');

/** One follower of one task, read in batches. */
export interface BatchFollower {
  /**
   * Resolve with the next events (1 to `max`, in order: a replay of history after `after`, then
   * live ones), or `null` once the stream is over (after the terminal event, or closed).
   * Rejects with `UnknownTaskError` for an id the backend does not hold. One call at a time.
   * A backend reads no more than `max` events for it.
   */
  nextBatch(max: number): Promise<TaskEvent[] | null>;
  /**
   * True while the events the next `nextBatch` yields are already stored for good: the follower
   * has seen that the task ended (every event still to come, up to the terminal one, is in the
   * backend's history), or it is replaying a durable history it has not caught up with. Asking
   * for them later loses nothing and lets nothing pile up.
   */
  readonly paced: boolean;
  /** Stop following now: a pending `nextBatch` resolves `null`. Idempotent. */
  close(): void;
}

/** A backend that offers {@link FOLLOW_BATCHES}. */
export interface BatchSource {
  /** Follow task `id` from `after` (see `TaskEventSource.events`). */
  [FOLLOW_BATCHES](id: string, after: number): BatchFollower;
}

/** True when `source` offers {@link FOLLOW_BATCHES}. */
export function isBatchSource(source: object): source is BatchSource {
  return typeof (source as Partial<BatchSource>)[FOLLOW_BATCHES] === 'function';
}
