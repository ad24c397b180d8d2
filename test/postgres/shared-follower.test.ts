// Following on the Postgres backend, both engines: every follower of a task in one process
// (coordinator subscribers and `events()` iterators alike) shares one read of its new events per
// NOTIFY; idle followers cost one poll per interval, however many they are and however many
// tasks they follow; late followers replay history and join the live feed without a gap; a
// follower that leaves disturbs nobody; a finished task's history is read only as fast as its
// reader takes it.
// Statements are counted as the driver sends them (query-counter.ts).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TaskCoordinator, type TaskEvent } from '../../src/index.js';
import { PostgresBackend } from '../../src/postgres/index.js';
import { type Deferred, deferred, silentLogger, within } from '../helpers.js';
import { engines } from './engines.js';
import { recordWhere } from './helpers.js';
import { countedOptions, type QueryCounter } from './query-counter.js';

/** Streams read into arrays; `until` waits (event-driven) for a condition over them. */
class Readers {
  readonly streams: TaskEvent[][] = [];
  private _check: (() => void) | undefined = undefined;
  private readonly _done: Promise<void>[] = [];

  /** Read `stream` to its end (or until `stopAfter` events). */
  read(stream: AsyncIterable<TaskEvent>, stopAfter = Number.POSITIVE_INFINITY): TaskEvent[] {
    const events: TaskEvent[] = [];
    this.streams.push(events);
    this._done.push(
      (async () => {
        for await (const event of stream) {
          events.push(event);
          this._check?.();
          if (events.length >= stopAfter) break;
        }
        this._check?.();
      })(),
    );
    return events;
  }

  /** Resolves once `predicate` holds (checked after every event), bounded. */
  until(predicate: () => boolean, what: string, timeout = 20_000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return within(
      new Promise<void>((resolve) => {
        this._check = () => {
          if (!predicate()) return;
          this._check = undefined;
          resolve();
        };
      }),
      { timeout, what },
    );
  }

  /** Every stream has read to its end. */
  ended(): Promise<void> {
    return within(
      Promise.all(this._done).then(() => {}),
      { timeout: 30_000, what: 'the ends' },
    );
  }

  /** Every stream has an event of `type`. */
  allHave(type: string, data?: unknown): boolean {
    return this.streams.every((events) =>
      events.some(
        (event) =>
          event.type === type &&
          (data === undefined || JSON.stringify(event.data) === JSON.stringify(data)),
      ),
    );
  }
}

/** `events` are seqs `from`, `from + 1`, … with one terminal event, last. */
function assertGapless(events: readonly TaskEvent[], from: number, what: string): void {
  for (const [i, event] of events.entries()) {
    assert.equal(event.seq, from + i, `${what}: seq at ${i}`);
  }
  const terminal = events.filter((e) => ['completed', 'failed', 'cancelled'].includes(e.type));
  assert.equal(terminal.length, 1, `${what}: one terminal event`);
  assert.equal(events.at(-1)?.type, 'completed', `${what}: ends completed`);
}

for (const engine of await engines()) {
  describe(`PostgresBackend shared followers: ${engine.name}`, () => {
    /** A started backend with counted statements, a coordinator over it; both shut down after. */
    async function setUp(
      t: { after(fn: () => Promise<unknown>): void },
      extra: { pollInterval?: number } = {},
    ): Promise<{ backend: PostgresBackend; coordinator: TaskCoordinator; counter: QueryCounter }> {
      const { options, counter } = countedOptions(engine, extra);
      const backend = new PostgresBackend(options);
      const coordinator = new TaskCoordinator({ backend, logger: silentLogger, runtime: false });
      t.after(async () => {
        await coordinator.shutdown({ timeout: 2_000 });
        await backend.shutdown({ timeout: 0, grace: 1_000 });
      });
      return { backend, coordinator, counter };
    }

    /** A kind that emits `step` i once gate i opens, then returns once the last gate opens. */
    function defineSteps(coordinator: TaskCoordinator, gates: readonly Deferred<void>[]): void {
      coordinator.define('steps', async (ctx) => {
        for (let i = 0; i < gates.length - 1; i++) {
          await (gates[i] as Deferred<void>).promise;
          ctx.emit('step', i);
        }
        await (gates.at(-1) as Deferred<void>).promise;
        return 'done';
      });
    }

    test('twenty followers of one task: one read per NOTIFY, not twenty', async (t) => {
      // No poll in the way: only NOTIFYs wake the followers.
      const { backend, coordinator, counter } = await setUp(t, { pollInterval: 60_000 });
      const gates = Array.from({ length: 4 }, () => deferred());
      defineSteps(coordinator, gates);
      await backend.start();
      const id = await coordinator.start('steps', null);
      const readers = new Readers();
      for (let i = 0; i < 20; i++) {
        readers.read(i % 2 === 0 ? coordinator.subscribe(id) : backend.events(id));
      }
      await readers.until(() => readers.allHave('started'), 'every follower to have started');
      const before = counter.count('read_events');
      for (let i = 0; i < 3; i++) {
        (gates[i] as Deferred<void>).resolve();
        await readers.until(() => readers.allHave('step', i), `every follower to have step ${i}`);
      }
      (gates[3] as Deferred<void>).resolve();
      await readers.ended();
      const reads = counter.count('read_events') - before;
      t.diagnostic(`${reads} reads for 4 NOTIFYs (3 steps, completed) with 20 followers`);
      // One per NOTIFY; one more at most, for the NOTIFY of `started` if it came in late.
      assert.ok(reads >= 4 && reads <= 5, `${reads} reads`);
      for (const [i, events] of readers.streams.entries()) assertGapless(events, 1, `#${i}`);
    });

    test('idle followers of two tasks: one poll per interval, no reads', async (t) => {
      const { backend, coordinator, counter } = await setUp(t, { pollInterval: 100 });
      const gates = [deferred()];
      defineSteps(coordinator, gates);
      await backend.start();
      const ids = [await coordinator.start('steps', null), await coordinator.start('steps', null)];
      const readers = new Readers();
      for (let i = 0; i < 60; i++) {
        const id = ids[i % 2] as string;
        readers.read(i % 3 === 0 ? backend.events(id) : coordinator.subscribe(id));
      }
      await readers.until(() => readers.allHave('started'), 'every follower to have started');
      const reads = counter.count('read_events');
      const polls = counter.count('followed_seqs');
      const start = performance.now();
      await counter.reach('followed_seqs', polls + 10);
      const elapsed = performance.now() - start;
      const idleReads = counter.count('read_events') - reads;
      t.diagnostic(`10 polls in ${elapsed.toFixed(0)} ms; ${idleReads} reads meanwhile`);
      // Ten polls take at least nine intervals: one statement per interval for both tasks.
      assert.ok(elapsed >= 9 * 100 - 20, `10 polls in ${elapsed} ms`);
      // A late NOTIFY of `started` may cost each task one read; nothing else does.
      assert.ok(idleReads <= 2, `${idleReads} reads while idle`);
      (gates[0] as Deferred<void>).resolve();
      await readers.ended();
      // Nothing followed any more: no feed is left to poll or wake.
      const followers = (backend as unknown as { _connection: { followers: { active: boolean } } })
        ._connection.followers;
      assert.equal(followers.active, false);
    });

    test('late followers replay, then share the live feed: every stream gapless', async (t) => {
      const { backend, coordinator } = await setUp(t);
      const bursts = Array.from({ length: 6 }, () => deferred());
      coordinator.define('bursts', async (ctx) => {
        for (const burst of bursts) {
          await burst.promise;
          for (let i = 0; i < 30; i++) ctx.emit('n', i);
        }
        return 'done';
      });
      await backend.start();
      const id = await coordinator.start('bursts', null);
      const readers = new Readers();
      const starts: number[] = [];
      const join = (after: number, viaCoordinator: boolean): void => {
        starts.push(after + 1);
        readers.read(
          viaCoordinator
            ? coordinator.subscribe(id, { lastEventId: after })
            : backend.events(id, { after }),
        );
      };
      join(0, true);
      join(0, false);
      const first = readers.streams[0] as TaskEvent[];
      // One that leaves after a few events: the others go on undisturbed.
      const leaver = readers.read(coordinator.subscribe(id), 40);
      for (const [i, burst] of bursts.entries()) {
        burst.resolve();
        // Joining while the burst is being written and read, from the start and from midway.
        join(0, i % 2 === 0);
        join(Math.max(0, first.length - 5), i % 2 === 1);
        const seen = 1 + 30 * (i + 1);
        await readers.until(() => first.length >= seen, `burst ${i}`);
      }
      await readers.ended();
      assert.equal(leaver.length, 40);
      for (const [i, events] of readers.streams.entries()) {
        if (events === leaver) continue;
        const from = starts[i < 2 ? i : i - 1] as number;
        assertGapless(events, from, `follower ${i} from ${from}`);
        assert.equal(events.at(-1)?.seq, 2 + 30 * bursts.length);
      }
    });

    test('100,000 events of a finished task replay to a reader that keeps up: no overflow', async (t) => {
      const { backend, coordinator, counter } = await setUp(t);
      const count = 100_000;
      coordinator.define('many', async (ctx) => {
        for (let i = 1; i <= count; i++) {
          ctx.emit('n', i);
          if (i % 5_000 === 0) await new Promise((resolve) => setImmediate(resolve));
        }
        return count;
      });
      await backend.start();
      const id = await coordinator.start('many', null);
      await recordWhere(backend, id, (info) => info.state === 'succeeded', { timeout: 120_000 });
      const reads = counter.count('read_events');
      let seq = 0;
      let last = '';
      const started = performance.now();
      for await (const event of coordinator.subscribe(id)) {
        assert.equal(event.seq, ++seq);
        last = event.type;
        // A reader that writes its events somewhere, as an SSE route does: now and then the
        // write waits for the socket (here, a turn of the event loop).
        if (seq % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      const ms = performance.now() - started;
      const pages = counter.count('read_events') - reads;
      t.diagnostic(`${seq} events in ${ms.toFixed(0)} ms, ${pages} reads`);
      assert.equal(last, 'completed');
      assert.equal(seq, count + 2);
      // Read in pages (of at least half the queue), not an event at a time.
      assert.ok(pages <= Math.ceil((count + 2) / 500) + 2, `${pages} reads`);
      // Through events() too.
      let n = 0;
      for await (const _ of backend.events(id)) n++;
      assert.equal(n, count + 2);
    });

    test("a late reader of a running task's long history gets all of it, then the live events", async (t) => {
      const { backend, coordinator } = await setUp(t);
      const count = 20_000;
      const gate = deferred();
      coordinator.define('long', async (ctx) => {
        for (let i = 1; i <= count; i++) {
          ctx.emit('n', i);
          if (i % 5_000 === 0) await new Promise((resolve) => setImmediate(resolve));
        }
        ctx.emit('stored');
        await gate.promise;
        for (let i = 1; i <= 50; i++) ctx.emit('live', i);
        return count;
      });
      await backend.start();
      const id = await coordinator.start('long', null);
      // A reader that keeps up sees the whole history stored (it reads what the database holds).
      const watcher = new Readers();
      const watched = watcher.read(coordinator.subscribe(id, { maxQueuedEvents: 100_000 }));
      await watcher.until(
        () => watched.some((event) => event.type === 'stored'),
        'history',
        60_000,
      );
      let seq = 0;
      let last = '';
      // Twenty times the queue, read by a reader that now and then waits (as an SSE route does
      // for its socket), while the task still runs.
      for await (const event of coordinator.subscribe(id, { maxQueuedEvents: 1_000 })) {
        assert.equal(event.seq, ++seq);
        last = event.type;
        if (event.type === 'stored') gate.resolve();
        if (seq % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      assert.equal(last, 'completed');
      assert.equal(seq, count + 2 + 50 + 1);
      await watcher.ended();
    });

    test("a reader that pauses in a finished task's replay keeps its place; live events cut it off", async (t) => {
      const { backend, coordinator, counter } = await setUp(t);
      coordinator.define('history', (ctx) => {
        for (let i = 1; i <= 300; i++) ctx.emit('history', i);
      });
      await backend.start();
      const id = await coordinator.start('history', null);
      await recordWhere(backend, id, (info) => info.state === 'succeeded');
      // A reader with a queue of 50 that takes 10 events and pauses.
      const reads = counter.count('read_events');
      const paused = coordinator.subscribe(id, { maxQueuedEvents: 50 });
      const first: TaskEvent[] = [];
      for (let i = 0; i < 10; i++) first.push((await paused.next()).value as TaskEvent);
      // One page of 50 was read for it; the next waits until it has taken half of them.
      assert.equal(counter.count('read_events') - reads, 1);
      // Another reader replays it all meanwhile; the paused one is still there, not cut off.
      const other = new Readers();
      other.read(coordinator.subscribe(id, { maxQueuedEvents: 50 }));
      await other.ended();
      assertGapless(other.streams[0] as TaskEvent[], 1, 'the other reader');
      assert.equal(coordinator.stats().subscribers, 1);
      const rest: TaskEvent[] = [];
      for await (const event of paused) rest.push(event);
      assertGapless([...first, ...rest], 1, 'the paused reader, resumed');

      // A reader that stops while its task emits: if its follower was live in the feed, it is
      // cut off once 50 events pile up; if it was still reading the stored history (the burst
      // was stored before its next read), it keeps its place, as in a finished task's replay.
      // Which of the two depends on which the database did first; both hold no more than 51
      // events for the reader, and neither loses one.
      const gate2 = deferred();
      coordinator.define('later', async (ctx) => {
        ctx.emit('ready');
        await gate2.promise;
        for (let i = 1; i <= 300; i++) ctx.emit('live', i);
        return 'done';
      });
      const id2 = await coordinator.start('later', null);
      const live = coordinator.subscribe(id2, { maxQueuedEvents: 50 });
      const head = [(await live.next()).value, (await live.next()).value] as TaskEvent[];
      assert.deepEqual(
        head.map((event) => event.type),
        ['started', 'ready'],
      );
      gate2.resolve();
      await recordWhere(backend, id2, (info) => info.state === 'succeeded');
      const tail: TaskEvent[] = [];
      for await (const event of live) tail.push(event);
      if (tail.at(-1)?.type === 'overflow') {
        assert.ok(tail.length <= 51, `${tail.length} events after catching up`);
      } else {
        assertGapless([...head, ...tail], 1, 'the reader that kept its place');
      }
    });
  });
}
