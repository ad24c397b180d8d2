/**
 * The cancellation tree: the one thing every Warden task carries.
 *
 * @module
 */

import { CancelledError, InvalidArgumentError } from '../errors.js';
import { CancelReason, type CancelReasonInput } from './cancel-reason.js';
import { cancelledErrorFor } from './cancelled-error-for.js';

/** Unregisters a listener added with {@link CancelToken.onCancel}; usable with `using`. */
export interface CancelRegistration extends Disposable {
  /** Remove the listener. Calling it twice, or after the token was cancelled, does nothing. */
  dispose(): void;
}

type Listener = (reason: CancelReason) => void;

// What a cancel still has to do after marking: call a listener, or abort a token's signal.
type Pending = Listener | AbortController;

const NO_REGISTRATION: CancelRegistration = {
  dispose() {},
  [Symbol.dispose]() {},
};

// One listener is stored as is; an array is made only for a second one. Most tokens (a task's)
// have zero or one listener, and a registration is a small object with prototype methods rather
// than closures: both keep the per-task cost of the tree low.
class Registration implements CancelRegistration {
  private _token: CancelToken | undefined;
  private readonly _listener: Listener;

  constructor(token: CancelToken, listener: Listener) {
    this._token = token;
    this._listener = listener;
  }

  dispose(): void {
    const token = this._token;
    if (token === undefined) return;
    this._token = undefined;
    token._removeListener(this._listener);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/**
 * A node in a cancellation tree (tokio-util's `CancellationToken`, Dynamo's parent/child tokens).
 *
 * `new CancelToken()` is a root; `token.child()` makes a child that is cancelled when its parent
 * is, never the other way round. `cancel(reason)` is idempotent: the first reason wins and every
 * later call is ignored.
 *
 * **Invariants.** Once cancelled, a token stays cancelled with the same {@link CancelReason}.
 * When any `onCancel` listener runs, the whole subtree below the cancelled token is already
 * marked cancelled. A child that is cancelled, or {@link CancelToken.dispose | disposed}, is
 * unlinked from its parent, so a parent that lives for the whole process holds no memory for
 * children that have come and gone (tasks dispose their tokens when they end).
 *
 * **Compared with `AbortSignal`.** `AbortSignal.any` also makes a tree, but on Node 20–24 it
 * leaks and can lose aborts (nodejs/node #55351, #54614); this tree is plain objects in a linked
 * list with no weak references and no event-target overhead. The token still offers a real
 * `AbortSignal` through {@link CancelToken.signal} (created on first use) for `fetch`, timers,
 * `pg` and child processes, and adopts one with {@link CancelToken.from}.
 *
 * **Not guaranteed.** Cancellation is cooperative and not atomic with the work it cancels: it
 * asks, and the work stops at its next check (`throwIfCancelled`, a `sleep`, an aborted
 * `fetch`). Work that never looks at its token runs to the end.
 *
 * @example
 * ```ts
 * const root = new CancelToken();
 * const child = root.child();
 * child.onCancel((reason) => console.log('stopping:', reason.kind));
 * root.cancel(CancelReason.shutdown());
 * child.isCancelled; // true
 * ```
 */
export class CancelToken {
  // Tree links: an intrusive doubly linked list of children, so linking and unlinking are O(1)
  // and allocate nothing.
  private _parent: CancelToken | null = null;
  private _firstChild: CancelToken | null = null;
  private _prev: CancelToken | null = null;
  private _next: CancelToken | null = null;
  private _reason: CancelReason | undefined = undefined;
  private _listeners: Listener | Listener[] | undefined = undefined;
  private _controller: AbortController | undefined = undefined;
  private _cancelled: Promise<CancelReason> | undefined = undefined;

  /**
   * A root token that is never cancelled by anything but its own {@link CancelToken.cancel}.
   * To be cancelled by another token, use `parent.child()` instead.
   */
  // biome-ignore lint/complexity/noUselessConstructor: documented public constructor.
  constructor() {}

  /**
   * A new token that is cancelled when this one is (with the same reason). If this token is
   * already cancelled, the child starts cancelled.
   *
   * The child stays linked to this token until it is cancelled or {@link CancelToken.dispose |
   * disposed}; a long-lived parent with many children you create by hand should see them
   * disposed (`using child = token.child()`).
   */
  child(): CancelToken {
    const child = new CancelToken();
    if (this._reason !== undefined) {
      child._reason = this._reason;
      return child;
    }
    child._parent = this;
    const first = this._firstChild;
    if (first !== null) {
      first._prev = child;
      child._next = first;
    }
    this._firstChild = child;
    return child;
  }

  /** True once this token (or an ancestor) has been cancelled. */
  get isCancelled(): boolean {
    return this._reason !== undefined;
  }

  /** Why this token was cancelled, or `undefined` while it is not. */
  get reason(): CancelReason | undefined {
    return this._reason;
  }

  /**
   * Cancel this token and every token below it. Idempotent: returns `true` if this call
   * cancelled it, `false` if it was already cancelled (the first reason stays).
   *
   * Listeners run synchronously, parents before children. A listener that throws does not stop
   * the others; its error is re-thrown on the next tick as an uncaught exception, as a throwing
   * `AbortSignal` listener would be, so it is never silently lost.
   *
   * @param reason - a {@link CancelReason}, or a message for a `requested` one.
   */
  cancel(reason?: CancelReasonInput): boolean {
    if (this._reason !== undefined) return false;
    const resolved = toReason(reason);
    this._unlink();
    this._reason = resolved;
    if (this._firstChild === null) {
      this._notify(resolved);
      return true;
    }
    // Mark the whole subtree first, so every listener sees a consistently cancelled tree, taking
    // each node's listeners (and AbortController) into one list as it is marked. Then call them
    // from that list, parents before children (breadth-first). Each node is touched once: in a
    // large heap every visit of a node is a cache miss, and re-walking the tree to notify it
    // cost as much as the marking. (A linked child is never already cancelled: cancelling or
    // disposing a token unlinks it.)
    const pending: Pending[] = [];
    this._take(pending);
    // Nodes whose children are still to be marked; leaves, most of a task tree, never go here.
    const parents: CancelToken[] = [this];
    for (let i = 0; i < parents.length; i++) {
      const parent = parents[i] as CancelToken;
      let child = parent._firstChild;
      parent._firstChild = null;
      while (child !== null) {
        const next: CancelToken | null = child._next;
        child._reason = resolved;
        child._parent = null;
        child._prev = null;
        child._next = null;
        child._take(pending);
        if (child._firstChild !== null) parents.push(child);
        child = next;
      }
    }
    for (let i = 0; i < pending.length; i++) {
      const entry = pending[i] as Pending;
      if (typeof entry === 'function') callListener(entry, resolved);
      else entry.abort(cancelledErrorFor(resolved));
    }
    return true;
  }

  /**
   * Run `listener` when this token is cancelled. If it already is, `listener` runs at once,
   * synchronously. Returns a registration whose `dispose()` removes the listener.
   */
  onCancel(listener: (reason: CancelReason) => void): CancelRegistration {
    if (typeof listener !== 'function') {
      throw new InvalidArgumentError('listener', 'a function', listener);
    }
    if (this._reason !== undefined) {
      listener(this._reason);
      return NO_REGISTRATION;
    }
    this._addListener(listener);
    return new Registration(this, listener);
  }

  /** A promise that resolves with the reason once this token is cancelled (never rejects). */
  cancelled(): Promise<CancelReason> {
    if (this._cancelled === undefined) {
      if (this._reason !== undefined) {
        this._cancelled = Promise.resolve(this._reason);
      } else {
        this._cancelled = new Promise((resolve) => {
          this._addListener(resolve);
        });
      }
    }
    return this._cancelled;
  }

  /**
   * Throw a {@link CancelledError} carrying the reason if this token is cancelled. Like
   * `AbortSignal.throwIfAborted`, it throws the one error of that reason: the same object as
   * `signal.reason` and as `sleep`'s rejection (its stack is that of its first use).
   */
  throwIfCancelled(): void {
    if (this._reason !== undefined) throw cancelledErrorFor(this._reason);
  }

  /**
   * An `AbortSignal` that aborts when this token is cancelled, with a {@link CancelledError} as
   * its `reason` (one error per {@link CancelReason}: a parent's and its children's signals
   * share it). Created on first access; tokens whose signal is never read pay nothing for it.
   */
  get signal(): AbortSignal {
    if (this._reason !== undefined) {
      return this._controller?.signal ?? AbortSignal.abort(cancelledErrorFor(this._reason));
    }
    if (this._controller === undefined) this._controller = new AbortController();
    return this._controller.signal;
  }

  /**
   * Unlink this token from its parent and drop its listeners: it will no longer be cancelled
   * by the parent. A task's token is disposed when the task ends. Does nothing to a token that
   * is already cancelled.
   */
  dispose(): void {
    if (this._reason !== undefined) return;
    this._unlink();
    this._listeners = undefined;
  }

  /** Same as {@link CancelToken.dispose}, for `using token = parent.child()`. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /**
   * Adopt an `AbortSignal`: a new root token cancelled when `signal` aborts. A signal aborted by
   * `AbortSignal.timeout()` gives a `timeout` reason; any other abort gives `requested`, with
   * the signal's reason as `cause`. A signal that came from a token maps back to its reason.
   */
  static from(signal: AbortSignal): CancelToken {
    if (!(signal instanceof AbortSignal)) {
      throw new InvalidArgumentError('signal', 'an AbortSignal', signal);
    }
    if (signal.aborted) {
      const token = new CancelToken();
      token.cancel(reasonFromAbort(signal.reason));
      return token;
    }
    return new AdoptedSignalToken(signal);
  }

  /** @internal Add a listener to a token that is not cancelled, without a registration. */
  _addListener(listener: Listener): void {
    const listeners = this._listeners;
    if (listeners === undefined) this._listeners = listener;
    else if (typeof listeners === 'function') this._listeners = [listeners, listener];
    else listeners.push(listener);
  }

  /** @internal Remove one registration of `listener`; nothing once the token is cancelled. */
  _removeListener(listener: Listener): void {
    const listeners = this._listeners;
    if (listeners === undefined) return;
    if (typeof listeners === 'function') {
      if (listeners === listener) this._listeners = undefined;
      return;
    }
    const index = listeners.indexOf(listener);
    if (index !== -1) listeners.splice(index, 1);
  }

  private _unlink(): void {
    const parent = this._parent;
    if (parent === null) return;
    if (this._prev !== null) this._prev._next = this._next;
    else parent._firstChild = this._next;
    if (this._next !== null) this._next._prev = this._prev;
    this._parent = null;
    this._prev = null;
    this._next = null;
  }

  private _notify(reason: CancelReason): void {
    const listeners = this._listeners;
    this._listeners = undefined;
    if (this._controller !== undefined) this._controller.abort(cancelledErrorFor(reason));
    if (listeners === undefined) return;
    if (typeof listeners === 'function') {
      callListener(listeners, reason);
      return;
    }
    for (const listener of listeners) callListener(listener, reason);
  }

  /** Move this (just cancelled) token's controller and listeners to `pending`, in call order. */
  private _take(pending: Pending[]): void {
    if (this._controller !== undefined) pending.push(this._controller);
    const listeners = this._listeners;
    if (listeners === undefined) return;
    this._listeners = undefined;
    if (typeof listeners === 'function') pending.push(listeners);
    else for (const listener of listeners) pending.push(listener);
  }
}

// A listener that throws does not stop the others; its error is re-thrown on the next tick.
function callListener(listener: Listener, reason: CancelReason): void {
  try {
    listener(reason);
  } catch (error) {
    process.nextTick(() => {
      throw error;
    });
  }
}

/**
 * A root token that follows an `AbortSignal`. Its listener on the signal goes away when the
 * token is cancelled or disposed, so adopting a long-lived signal many times leaks nothing.
 */
class AdoptedSignalToken extends CancelToken {
  private readonly _detachFromSignal: () => void;

  constructor(signal: AbortSignal) {
    super();
    const onAbort = (): void => {
      this.cancel(reasonFromAbort(signal.reason));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    this._detachFromSignal = () => signal.removeEventListener('abort', onAbort);
    this.onCancel(this._detachFromSignal);
  }

  override dispose(): void {
    this._detachFromSignal();
    super.dispose();
  }
}

function toReason(input: CancelReasonInput): CancelReason {
  if (input === undefined) return CancelReason.requested();
  if (typeof input === 'string') return CancelReason.requested(input);
  if (CancelReason.is(input)) return input;
  throw new InvalidArgumentError('reason', 'a CancelReason, a string or undefined', input);
}

function reasonFromAbort(abortReason: unknown): CancelReason {
  if (abortReason instanceof CancelledError) return abortReason.reason;
  if (abortReason instanceof DOMException && abortReason.name === 'TimeoutError') {
    return { kind: 'timeout', message: abortReason.message, cause: abortReason };
  }
  const message = abortReason instanceof Error ? abortReason.message : 'signal aborted';
  return CancelReason.requested(message, abortReason);
}
