// An optional two-step shutdown between a backend and the coordinator that owns it: the backend
// first drains (stops taking work, stops what runs here, writes every outcome) while its event
// followers stay open, so the coordinator can still give each subscriber its terminal event, or
// cut it off with `shutdown` for a task handed back to a durable queue; only then does it close
// its connections. A backend that holds its events in memory needs no such step (its followers
// outlive its shutdown) and need not offer it.

import type { BackendShutdownOptions, BackendShutdownReport } from '../task-backend.js';

/** The key of the staged-shutdown method on a backend. */
export const SHUT_DOWN_IN_STAGES: unique symbol = Symbol('warden.shutDownInStages');

/** A shutdown begun with {@link SHUT_DOWN_IN_STAGES}. */
export interface ShutdownStages {
  /** Resolves once the backend has drained: what `shutdown()` resolves with. Never rejects. */
  readonly drained: Promise<BackendShutdownReport>;
  /** Close what is still open (followers end), after `drained`; idempotent. Never rejects. */
  close(): Promise<void>;
}

/** A backend that offers {@link SHUT_DOWN_IN_STAGES}. */
export interface StagedShutdownSource {
  /**
   * Begin a shutdown that closes only when told. Idempotent with `shutdown()`: once either has
   * begun, the other joins it (a `shutdown()` call closes as soon as the drain ends).
   */
  [SHUT_DOWN_IN_STAGES](options: BackendShutdownOptions): ShutdownStages;
}

/** True when `backend` offers {@link SHUT_DOWN_IN_STAGES}. */
export function shutsDownInStages(backend: object): backend is StagedShutdownSource {
  return typeof (backend as Partial<StagedShutdownSource>)[SHUT_DOWN_IN_STAGES] === 'function';
}
