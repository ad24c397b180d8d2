// CancelToken against a model: random sequences of child / cancel / dispose / onCancel /
// registration dispose / signal / cancelled(), applied both to real tokens and to a plain eager
// tree written here for the purpose (every child linked, every cancel walking the whole
// subtree). After every step each token's reason must be the model's, and a cancel must call
// exactly the listeners the model calls, parents before children. The real tree links a token
// only when it has something to be told and lets the others ask their ancestors; this is what
// keeps that equivalent to the obvious tree.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CancelReason, type CancelRegistration, CancelToken } from '../src/index.js';

/** The obvious tree: what a token must behave like. */
class ModelToken {
  parent: ModelToken | null = null;
  children = new Set<ModelToken>();
  reason: CancelReason | undefined = undefined;
  listeners = new Map<number, number>(); // listener id → registrations
  readonly depth: number;

  constructor(depth: number) {
    this.depth = depth;
  }

  child(): ModelToken {
    const child = new ModelToken(this.depth + 1);
    if (this.reason !== undefined) child.reason = this.reason;
    else {
      child.parent = this;
      this.children.add(child);
    }
    return child;
  }

  cancel(reason: CancelReason, called: number[]): boolean {
    if (this.reason !== undefined) return false;
    this.parent?.children.delete(this);
    this.parent = null;
    const subtree: ModelToken[] = [this];
    for (let i = 0; i < subtree.length; i++) {
      const token = subtree[i] as ModelToken;
      token.reason = reason;
      for (const child of token.children) subtree.push(child);
      token.children.clear();
    }
    for (const token of subtree) {
      for (const [id, count] of token.listeners) for (let c = 0; c < count; c++) called.push(id);
      token.listeners.clear();
    }
    return true;
  }

  dispose(): void {
    if (this.reason !== undefined) return;
    this.parent?.children.delete(this);
    this.parent = null;
    this.listeners.clear();
  }
}

/** A seeded generator (mulberry32), so a failure names a sequence that can be run again. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Pair {
  real: CancelToken;
  model: ModelToken;
}

interface Registration {
  pair: Pair;
  id: number;
  real: CancelRegistration;
  disposed: boolean;
}

function runSequence(seed: number, steps: number, sampleEvery = 1): void {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const pairs: Pair[] = [{ real: new CancelToken(), model: new ModelToken(0) }];
  const registrations: Registration[] = [];
  let called: Array<{ id: number; depth: number }> = [];
  let nextId = 0;
  const depthOf = new Map<number, number>();

  for (let step = 0; step < steps; step++) {
    const where = `seed ${seed}, step ${step}`;
    const pair = pick(pairs);
    const op = next();
    if (op < 0.35) {
      pairs.push({ real: pair.real.child(), model: pair.model.child() });
    } else if (op < 0.45) {
      const reason = CancelReason.requested(`cancel at step ${step}`);
      called = [];
      const expected: number[] = [];
      // The model first: the listeners the real cancel calls check against it.
      const modelCancelled = pair.model.cancel(reason, expected);
      assert.equal(pair.real.cancel(reason), modelCancelled, where);
      assert.deepEqual(
        called.map((c) => c.id).sort((a, b) => a - b),
        expected.sort((a, b) => a - b),
        `${where}: the listeners called`,
      );
      for (let i = 1; i < called.length; i++) {
        const [before, after] = [called[i - 1], called[i]] as [
          { depth: number },
          { depth: number },
        ];
        assert.ok(before.depth <= after.depth, `${where}: parents before children`);
      }
    } else if (op < 0.55) {
      pair.real.dispose();
      pair.model.dispose();
    } else if (op < 0.8) {
      const id = nextId++;
      depthOf.set(id, pair.model.depth);
      const cancelledAlready = pair.model.reason !== undefined;
      let ranAtOnce = false;
      const real = pair.real.onCancel((reason) => {
        ranAtOnce = true;
        // Every token the model has cancelled by now reads cancelled, from inside a listener.
        for (const other of pairs) {
          if (other.model.reason !== undefined) assert.equal(other.real.reason, other.model.reason);
        }
        assert.equal(reason, pair.model.reason, where);
        called.push({ id, depth: depthOf.get(id) as number });
      });
      assert.equal(
        ranAtOnce,
        cancelledAlready,
        `${where}: onCancel on a cancelled token runs at once`,
      );
      if (cancelledAlready) called = [];
      else pair.model.listeners.set(id, (pair.model.listeners.get(id) ?? 0) + 1);
      registrations.push({ pair, id, real, disposed: false });
    } else if (op < 0.9 && registrations.length > 0) {
      const registration = pick(registrations);
      registration.real.dispose();
      if (!registration.disposed) {
        registration.disposed = true;
        registration.pair.model.listeners.delete(registration.id);
      }
    } else if (op < 0.95) {
      assert.equal(pair.real.signal.aborted, pair.model.reason !== undefined, where);
    } else {
      void pair.real.cancelled();
    }
    // Now and then every token is read; otherwise a few, so that most tokens go unread across
    // many cancels (what a token last saw must not outlive a cancel above it).
    const all = step % sampleEvery === 0;
    for (let i = 0; i < (all ? pairs.length : 3); i++) {
      const index = all ? i : Math.floor(next() * pairs.length);
      const { real, model } = pairs[index] as Pair;
      assert.equal(real.reason, model.reason, `${where}: token ${index}'s reason`);
    }
  }
}

/** A chain of `depth` nested tokens, cancelled at random depths, read at random depths. */
function runChain(seed: number, depth: number): void {
  const next = random(seed);
  const real: CancelToken[] = [new CancelToken()];
  const model: ModelToken[] = [new ModelToken(0)];
  for (let i = 1; i < depth; i++) {
    real.push((real[i - 1] as CancelToken).child());
    model.push((model[i - 1] as ModelToken).child());
  }
  for (let round = 0; round < 6; round++) {
    const at = Math.floor(next() * depth);
    const reason = CancelReason.requested(`round ${round} at depth ${at}`);
    assert.equal(
      (real[at] as CancelToken).cancel(reason),
      (model[at] as ModelToken).cancel(reason, []),
    );
    for (let read = 0; read < 2_000; read++) {
      const index = Math.floor(next() * depth);
      assert.equal(
        (real[index] as CancelToken).reason,
        (model[index] as ModelToken).reason,
        `seed ${seed}, round ${round}: depth ${index}`,
      );
    }
  }
}

describe('CancelToken against a model tree', () => {
  test('300 random sequences of 300 steps each behave as the eager tree does', () => {
    for (let seed = 1; seed <= 300; seed++) runSequence(seed, 300);
  });

  test('300 more, with most tokens left unread between cancels', () => {
    for (let seed = 301; seed <= 600; seed++) runSequence(seed, 300, 50);
  });

  test('chains 100,000 deep, cancelled and read at random depths', () => {
    for (let seed = 1; seed <= 3; seed++) runChain(seed, 100_000);
  });
});
