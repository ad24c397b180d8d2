// Idempotent installation of `process` event listeners: installing a listener for an event that
// already has one from the same owner adds nothing, so handlers are never doubled.

type Listener = (...args: never[]) => void;
type Emitter = {
  on(event: string, listener: Listener): unknown;
  removeListener(event: string, listener: Listener): unknown;
};

/** One owner's listeners on `process`, at most one per event. */
export class ProcessListeners<E extends string> {
  private readonly _installed = new Map<E, Listener>();

  /**
   * Add `make(event)` as the listener of each event that has none from this owner yet. Returns
   * a function that removes this owner's listeners for `events` (idempotent).
   */
  install(events: readonly E[], make: (event: E) => Listener): () => void {
    const emitter = process as unknown as Emitter;
    for (const event of events) {
      if (this._installed.has(event)) continue;
      const listener = make(event);
      emitter.on(event, listener);
      this._installed.set(event, listener);
    }
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      for (const event of events) {
        const listener = this._installed.get(event);
        if (listener === undefined) continue;
        emitter.removeListener(event, listener);
        this._installed.delete(event);
      }
    };
  }

  /** True when this owner has a listener for `event`. */
  has(event: E): boolean {
    return this._installed.has(event);
  }
}
