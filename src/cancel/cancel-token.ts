/**
 * The cancellation tree: the one thing every Warden task carries.
 *
 * @module
 */

import { InvalidArgumentError } from '../errors.js';
import type { CancelReason, CancelReasonInput } from './cancel-reason.js';
import { CancelledError } from './cancelled-error.js';
import { cancelledErrorFor } from './cancelled-error-for.js';
import { reasonFromAbort, toReason } from './reason-from.js';

/** Unregisters a listener added with {@link CancelToken.onCancel}; usable with `using`. */
export interface CancelRegistration extends Disposable {
  /** Remove the listener. Calling it twice, or after the token was cancelled, does nothing. */
  dispose(): void;
}

type Listener = (reason: CancelReason) => void;

// What a cancel still has to do after marking: call a listener, or abort a token's signal.
type Pending = Listener | AbortController;

// The part of a token that only a token that must be told of a cancel needs: one with a
// listener, a signal, a `cancelled()` promise, or a child that needs telling. Such a token is
// "linked": it is in its parent's list of linked children, and so is its parent, up to a root.
// Most tokens (a task's whose function never looks) never need one; they learn of a cancel by
// asking their parents (see `CancelToken._inheritedReason`), and cost three fields.
class TokenNode {
  // Siblings in the parent's list of linked children: an intrusive doubly linked list, so
  // linking and unlinking are O(1) and allocate nothing.
  prev: CancelToken | null = null;
  next: CancelToken | null = null;
  firstChild: CancelToken | null = null;
  // One listener is stored as is; an array is made only for a second one (most have one).
  listeners: Listener | Listener[] | undefined = undefined;
  controller: AbortController | undefined = undefined;
  cancelled: Promise<CancelReason> | undefined = undefined;
}

// How many cancels have happened in this process, ever. A token that has found itself not
// cancelled remembers the count it saw (`_seen`): while no cancel has happened since, it still
// is not, and neither is any token it follows, so `isCancelled` and `child()` answer at once
// instead of walking up a chain of unlinked ancestors (which made a chain of n nested tokens
// cost n²). A plain number: it never wraps, so a stale count can never look current.
let cancelEpoch = 0;

const NO_REGISTRATION: CancelRegistration = {
  dispose() {},
  [Symbol.dispose]() {},
};

// A registration is a small object with prototype methods rather than closures: most tokens
// that have a listener have one, and this keeps their cost low.
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
 * **Invariants.**
 * 1. Once cancelled, a token stays cancelled with the same {@link CancelReason}.
 * 2. When any `onCancel` listener runs, the whole subtree below the cancelled token is already
 *    cancelled (linked tokens are marked; the others find out when asked, see 4).
 * 3. A parent holds no reference to a child that has nothing to be told (no listener, no
 *    signal, no child of its own that has), nor to one that is cancelled or
 *    {@link CancelToken.dispose | disposed}: a parent that lives for the whole process holds
 *    no memory for children that have come and gone (tasks dispose their tokens when they end).
 * 4. A token that is not linked learns of a cancel above it by asking its ancestors; a token
 *    that saw itself not cancelled since the last cancel anywhere answers without asking, so
 *    `isCancelled`, `reason` and `child()` are O(1) between cancels, and a walk after one
 *    stops at the first ancestor that has been checked since.
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
  // The token this one follows, until this one is cancelled or disposed.
  private _parent: CancelToken | null = null;
  // Set when this token is cancelled, or when it finds it was (see `_inheritedReason`).
  private _reason: CancelReason | undefined = undefined;
  private _node: TokenNode | undefined = undefined;
  // The `cancelEpoch` at which this token was last seen not cancelled (invariant 4).
  private _seen = -1;

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
   * The child follows this token until it is cancelled or {@link CancelToken.dispose |
   * disposed}; a long-lived parent with many children you create by hand, each with a listener,
   * should see them disposed (`using child = token.child()`).
   */
  child(): CancelToken {
    const child = new CancelToken();
    const reason = this.reason;
    if (reason !== undefined) {
      child._reason = reason;
    } else {
      // `reason` just saw this token not cancelled at this epoch: so is the child.
      child._parent = this;
      child._seen = cancelEpoch;
    }
    return child;
  }

  /** True once this token (or an ancestor) has been cancelled. */
  get isCancelled(): boolean {
    return this._reason !== undefined || this._inheritedReason() !== undefined;
  }

  /** Why this token was cancelled, or `undefined` while it is not. */
  get reason(): CancelReason | undefined {
    return this._reason ?? this._inheritedReason();
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
    if (this.reason !== undefined) return false;
    const resolved = toReason(reason);
    this._unlink();
    this._reason = resolved;
    // Before any listener runs: from here on, no token's earlier "not cancelled" holds.
    cancelEpoch++;
    const node = this._node;
    if (node === undefined) return true;
    if (node.firstChild === null) {
      this._notify(node, resolved);
      return true;
    }
    // Mark every linked token of the subtree first, so every listener sees a consistently
    // cancelled tree (the unlinked ones find out by asking), taking each one's listeners (and
    // AbortController) into one list as it is marked. Then call them from that list, parents
    // before children (breadth-first). Each token is touched once: in a large heap every visit
    // is a cache miss, and re-walking the tree to notify it cost as much as the marking.
    // (A linked child is never already cancelled: cancelling or disposing a token unlinks it.)
    const pending: Pending[] = [];
    takePending(node, pending);
    // Nodes whose children are still to be marked; leaves, most of a task tree, never go here.
    const parents: TokenNode[] = [node];
    for (let i = 0; i < parents.length; i++) {
      const parent = parents[i] as TokenNode;
      let child = parent.firstChild;
      parent.firstChild = null;
      while (child !== null) {
        const childNode = child._node as TokenNode;
        const next = childNode.next;
        child._reason = resolved;
        child._parent = null;
        childNode.prev = null;
        childNode.next = null;
        takePending(childNode, pending);
        if (childNode.firstChild !== null) parents.push(childNode);
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
    const reason = this.reason;
    if (reason !== undefined) {
      listener(reason);
      return NO_REGISTRATION;
    }
    this._addListener(listener);
    return new Registration(this, listener);
  }

  /** A promise that resolves with the reason once this token is cancelled (never rejects). */
  cancelled(): Promise<CancelReason> {
    const known = this._node?.cancelled;
    if (known !== undefined) return known;
    const reason = this.reason;
    if (reason !== undefined) {
      // Cancelled, so `_parent` is gone and the node links nothing.
      const promise = Promise.resolve(reason);
      this._ownNode().cancelled = promise;
      return promise;
    }
    const node = this._linkedNode();
    node.cancelled = new Promise((resolve) => {
      this._addListener(resolve);
    });
    return node.cancelled;
  }

  /**
   * Settle as `promise` does, or reject with this token's {@link CancelledError} once the token
   * is cancelled, whichever comes first (tokio-util's `run_until_cancelled`). Waiting stops; the
   * work behind `promise` does not (a later rejection of it is ignored). With `withTimeout`, it
   * is a bounded wait on work that does not take a token.
   *
   * @example
   * ```ts
   * await withTimeout(5_000, (token) => token.race(once(server, 'close')));
   * ```
   */
  race<T>(promise: PromiseLike<T>): Promise<T> {
    const reason = this.reason;
    if (reason !== undefined) return Promise.reject(cancelledErrorFor(reason));
    return new Promise<T>((resolve, reject) => {
      const registration = this.onCancel((cancelled) => reject(cancelledErrorFor(cancelled)));
      promise.then(
        (value) => {
          registration.dispose();
          resolve(value);
        },
        (error: unknown) => {
          registration.dispose();
          reject(error);
        },
      );
    });
  }

  /**
   * Throw a {@link CancelledError} carrying the reason if this token is cancelled. Like
   * `AbortSignal.throwIfAborted`, it throws the one error of that reason: the same object as
   * `signal.reason` and as `sleep`'s rejection (its stack is that of its first use).
   */
  throwIfCancelled(): void {
    const reason = this.reason;
    if (reason !== undefined) throw cancelledErrorFor(reason);
  }

  /**
   * An `AbortSignal` that aborts when this token is cancelled, with a {@link CancelledError} as
   * its `reason` (one error per {@link CancelReason}: a parent's and its children's signals
   * share it). Created on first access; tokens whose signal is never read pay nothing for it.
   */
  get signal(): AbortSignal {
    const reason = this.reason;
    if (reason !== undefined) {
      return this._node?.controller?.signal ?? AbortSignal.abort(cancelledErrorFor(reason));
    }
    const node = this._linkedNode();
    if (node.controller === undefined) node.controller = new AbortController();
    return node.controller.signal;
  }

  /**
   * Stop following the parent and drop the listeners: the token will no longer be cancelled by
   * its parent, and the parent no longer refers to it. A task's token is disposed when the
   * task ends. Does nothing to a token that is already cancelled.
   */
  dispose(): void {
    if (this.reason !== undefined) return;
    this._unlink();
    const node = this._node;
    if (node !== undefined) node.listeners = undefined;
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
    const node = this._linkedNode();
    const listeners = node.listeners;
    if (listeners === undefined) node.listeners = listener;
    else if (typeof listeners === 'function') node.listeners = [listeners, listener];
    else listeners.push(listener);
  }

  /** @internal Remove one registration of `listener`; nothing once the token is cancelled. */
  _removeListener(listener: Listener): void {
    const node = this._node;
    const listeners = node?.listeners;
    if (node === undefined || listeners === undefined) return;
    if (typeof listeners === 'function') {
      if (listeners === listener) node.listeners = undefined;
      return;
    }
    const index = listeners.indexOf(listener);
    if (index !== -1) listeners.splice(index, 1);
  }

  // The reason of the nearest cancelled token this one follows, if any. A token that is not
  // linked is not marked by its parent's cancel: it finds out here, and keeps what it found.
  // The walk stops at an ancestor seen not cancelled at this epoch (invariant 4), and marks
  // every ancestor it passed as seen, so the next walk from below stops early too.
  private _inheritedReason(): CancelReason | undefined {
    const epoch = cancelEpoch;
    if (this._seen === epoch) return undefined;
    let token = this._parent;
    for (; token !== null; token = token._parent) {
      const reason = token._reason;
      if (reason !== undefined) {
        this._reason = reason;
        this._parent = null;
        return reason;
      }
      if (token._seen === epoch) break;
    }
    this._seen = epoch;
    for (let passed = this._parent; passed !== token && passed !== null; passed = passed._parent) {
      passed._seen = epoch;
    }
    return undefined;
  }

  private _ownNode(): TokenNode {
    if (this._node === undefined) this._node = new TokenNode();
    return this._node;
  }

  // This token's node, linked into its parent's list, and the parent's into its parent's, up to
  // a token that already is (or a root). For a token that is not cancelled. Iterative: a chain
  // of nested tokens can be far deeper than the stack.
  private _linkedNode(): TokenNode {
    const own = this._node;
    if (own !== undefined) return own;
    // Give a node to this token and to each ancestor without one; `top` is the last of them.
    let top: CancelToken = this;
    for (;;) {
      top._node = new TokenNode();
      const parent = top._parent;
      if (parent === null || parent._node !== undefined) break;
      top = parent;
    }
    // Now link each new node into its parent's list, from here up.
    for (let child: CancelToken = this; ; ) {
      const parent = child._parent;
      if (parent === null) break;
      const parentNode = parent._node as TokenNode;
      const childNode = child._node as TokenNode;
      const first = parentNode.firstChild;
      if (first !== null) {
        (first._node as TokenNode).prev = child;
        childNode.next = first;
      }
      parentNode.firstChild = child;
      if (child === top) break;
      child = parent;
    }
    return this._node as TokenNode;
  }

  // Leave the parent's list (if in it) and stop following the parent.
  private _unlink(): void {
    const parent = this._parent;
    if (parent === null) return;
    this._parent = null;
    const node = this._node;
    if (node === undefined) return;
    const parentNode = parent._node as TokenNode;
    if (node.prev !== null) (node.prev._node as TokenNode).next = node.next;
    else parentNode.firstChild = node.next;
    if (node.next !== null) (node.next._node as TokenNode).prev = node.prev;
    node.prev = null;
    node.next = null;
  }

  private _notify(node: TokenNode, reason: CancelReason): void {
    const listeners = node.listeners;
    node.listeners = undefined;
    if (node.controller !== undefined) node.controller.abort(cancelledErrorFor(reason));
    if (listeners === undefined) return;
    if (typeof listeners === 'function') {
      callListener(listeners, reason);
      return;
    }
    for (const listener of listeners) callListener(listener, reason);
  }
}

/** Move a just cancelled token's controller and listeners to `pending`, in call order. */
function takePending(node: TokenNode, pending: Pending[]): void {
  if (node.controller !== undefined) pending.push(node.controller);
  const listeners = node.listeners;
  if (listeners === undefined) return;
  node.listeners = undefined;
  if (typeof listeners === 'function') pending.push(listeners);
  else for (const listener of listeners) pending.push(listener);
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
