// The batch follower PostgresBackend hands out at once (FOLLOW_BATCHES is synchronous), before
// its connection may be open: the first `nextBatch` connects and makes the real follower.

import type { BatchFollower } from '../../backend/internal/batch-follow.js';
import type { TaskEvent } from '../../backend/task-events.js';

/** A {@link BatchFollower} made on first use by `open` (which may reject: the first read does). */
export class DeferredFollower implements BatchFollower {
  private _follower: BatchFollower | undefined = undefined;
  private _closed = false;
  /** Resolves a `nextBatch` still waiting for `open` when the follower is closed. */
  private _cancel: (() => void) | undefined = undefined;

  constructor(private readonly _open: () => Promise<BatchFollower>) {}

  /** @internal {@link BatchFollower}. */
  get paced(): boolean {
    return this._follower?.paced ?? false;
  }

  /** @internal {@link BatchFollower}. */
  async nextBatch(max: number): Promise<TaskEvent[] | null> {
    if (this._closed) return null;
    if (this._follower === undefined) {
      const cancelled = new Promise<undefined>((resolve) => {
        this._cancel = () => resolve(undefined);
      });
      const opening = this._open();
      const follower = await Promise.race([opening, cancelled]);
      this._cancel = undefined;
      if (follower === undefined) {
        // Closed while connecting: the follower made later is closed as soon as it exists.
        opening.then(
          (late) => late.close(),
          () => {},
        );
        return null;
      }
      if (this._closed) {
        follower.close();
        return null;
      }
      this._follower = follower;
    }
    return this._follower.nextBatch(max);
  }

  /** @internal {@link BatchFollower}. */
  close(): void {
    if (this._closed) return;
    this._closed = true;
    this._follower?.close();
    this._cancel?.();
  }
}
