// The `TaskContext` a definition receives, built over the backend's `HandlerContext`: one small
// object per run, methods on the prototype.

import type { HandlerContext } from '../../backend/task-backend.js';
import type { CancelToken } from '../../cancel/cancel-token.js';
import type { TaskContext } from '../task-context.js';

/** @internal One run's {@link TaskContext}. */
export class RunContext<I> implements TaskContext<I> {
  readonly id: string;
  readonly kind: string;
  readonly input: I;
  readonly token: CancelToken;
  readonly attempt: number;
  readonly #handler: HandlerContext;

  constructor(input: I, handler: HandlerContext) {
    this.id = handler.id;
    this.kind = handler.type;
    this.input = input;
    this.token = handler.token;
    this.attempt = handler.attempt;
    this.#handler = handler;
  }

  emit(type: string, data?: unknown): void {
    this.#handler.emit(type, data);
  }

  progress(value: unknown): void {
    this.#handler.progress(value);
  }
}
