/**
 * Follow a task's event stream over Server-Sent Events with the `eventsource` package: resume
 * with `Last-Event-ID` after a dropped connection, end after the terminal event.
 *
 * @module
 */

import { EventSource, type FetchLike } from 'eventsource';
import type { TaskEvent } from '../backend/task-events.js';
import { ServerUnreachableError } from './errors.js';
import { networkCause, type WardenClient } from './http-client.js';
import { ServerResponseError } from './server-error.js';

/** The event types that end a task's stream for good. */
export const TERMINAL_TYPES: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);

/** Stream control events: the server ends the connection after them; the task goes on. */
const CONTROL_TYPES: ReadonlySet<string> = new Set(['overflow', 'shutdown']);

/** Options of {@link followEvents}. */
export interface FollowEventsOptions {
  /** Start after this `seq` (the events up to it are not replayed). @default 0 */
  readonly lastEventId?: number;
  /**
   * How long to keep reconnecting after the stream drops (the server restarts, a proxy cuts
   * the connection) before giving up with `ServerUnreachableError`, in ms.
   * @default 30_000
   */
  readonly reconnectWindow?: number;
  /** Told when the connection dropped and a reconnection is under way. */
  readonly onReconnecting?: () => void;
}

/**
 * The events of task `id`, replayed from `lastEventId` and then live, ending after the terminal
 * event (`completed`, `failed` or `cancelled`). `overflow` and `shutdown` are yielded too (the
 * server ended the connection; this reconnects with `Last-Event-ID` and goes on). An event seen
 * twice across a reconnection is yielded once. Throws `ServerResponseError` for an error answer
 * (an unknown task, a wrong token), and `ServerUnreachableError` when the server cannot be
 * reached, at first or for `reconnectWindow` after a drop. Leaving the loop closes the stream.
 *
 * @example
 * ```ts
 * for await (const event of followEvents(client, id)) console.log(event.seq, event.type);
 * ```
 */
export async function* followEvents(
  client: WardenClient,
  id: string,
  options: FollowEventsOptions = {},
): AsyncGenerator<TaskEvent, void, undefined> {
  const { lastEventId = 0, reconnectWindow = 30_000, onReconnecting } = options;
  const queue: TaskEvent[] = [];
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    wake?.();
    wake = undefined;
  };
  const fail = (error: unknown): void => {
    failure ??= error;
    notify();
  };

  let opened = false;
  let lastNetworkError: unknown;
  let downSince: number | undefined;
  // The token goes in a header (EventSource cannot send one itself); an error answer is read
  // here, where its JSON body is still at hand.
  const fetchWithToken: FetchLike = async (url, init) => {
    let response: Response;
    try {
      response = await fetch(url, { ...init, headers: client.headers(init.headers) });
    } catch (error) {
      lastNetworkError = networkCause(error);
      throw error;
    }
    if (response.status !== 200) fail(await ServerResponseError.from(response));
    return response;
  };

  const path = `/tasks/${encodeURIComponent(id)}/events`;
  const query = lastEventId > 0 ? `?lastEventId=${lastEventId}` : '';
  const source = new (class extends EventSource {
    // EventSource delivers named events only to listeners of that name, and a task's own event
    // types are not known in advance: catch every message on its way out.
    override dispatchEvent(event: Event): boolean {
      if (event instanceof MessageEvent) received(event);
      return super.dispatchEvent(event);
    }
  })(`${client.address.url}${path}${query}`, { fetch: fetchWithToken });

  let lastSeq = lastEventId;
  function received(message: MessageEvent): void {
    let event: TaskEvent;
    try {
      event = JSON.parse(String(message.data)) as TaskEvent;
    } catch {
      fail(new Error(`the server sent an event that is not JSON: ${String(message.data)}`));
      return;
    }
    if (!CONTROL_TYPES.has(event.type)) {
      if (event.seq <= lastSeq) return; // replayed after a reconnection
      lastSeq = event.seq;
    }
    queue.push(event);
    notify();
  }

  source.addEventListener('open', () => {
    opened = true;
    downSince = undefined;
  });
  source.addEventListener('error', () => {
    if (failure !== undefined) return;
    if (source.readyState === EventSource.CLOSED) {
      // Not 200 (the body was read into `failure` already) or not an event stream.
      fail(new ServerUnreachableError(client.address.url, new Error('the event stream failed')));
      return;
    }
    if (!opened) {
      fail(new ServerUnreachableError(client.address.url, lastNetworkError));
      return;
    }
    downSince ??= Date.now();
    if (Date.now() - downSince > reconnectWindow) {
      fail(new ServerUnreachableError(client.address.url, lastNetworkError));
      return;
    }
    onReconnecting?.();
  });

  try {
    for (;;) {
      const event = queue.shift();
      if (event !== undefined) {
        yield event;
        if (TERMINAL_TYPES.has(event.type)) return;
        continue;
      }
      if (failure !== undefined) throw failure;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    source.close();
  }
}
