// Fixtures of the HTTP tests: a coordinator with a few task kinds, a server on a free port that
// is closed after the test, JSON requests, and a reader of Server-Sent Events over fetch.

import type { TestContext } from 'node:test';
import {
  startWardenServer,
  type WardenServer,
  type WardenServerOptions,
} from '../../src/http/index.js';
import { TaskCoordinator, type TaskCoordinatorOptions } from '../../src/index.js';
import { deferred, silentLogger } from '../helpers.js';

/** A coordinator (`runtime: false`, silent) with the kinds the HTTP tests use. */
export interface TestCoordinator {
  readonly coordinator: TaskCoordinator;
  /** Release every `gate` task (they wait for this). */
  openGate(): void;
}

/**
 * Kinds: `echo` returns its input; `gate` emits `waiting`, then waits for {@link openGate} (or
 * its cancellation); `chatty` emits `input.count` events of `input.size` bytes each, yielding to
 * the event loop every 100, then returns.
 */
export function testCoordinator(
  t: TestContext,
  options: TaskCoordinatorOptions = {},
): TestCoordinator {
  const coordinator = new TaskCoordinator({ logger: silentLogger, runtime: false, ...options });
  const gate = deferred();
  coordinator.define('echo', (ctx) => ctx.input);
  coordinator.define('gate', async (ctx) => {
    ctx.emit('waiting', { id: ctx.id });
    await Promise.race([gate.promise, ctx.token.cancelled()]);
    ctx.token.throwIfCancelled();
    return 'opened';
  });
  coordinator.define<{ count: number; size?: number }>('chatty', async (ctx) => {
    const payload = 'x'.repeat(ctx.input.size ?? 10);
    for (let i = 1; i <= ctx.input.count; i++) {
      ctx.token.throwIfCancelled();
      ctx.emit('tick', { i, payload });
      if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    return ctx.input.count;
  });
  t.after(() => coordinator.shutdown({ timeout: 5_000 }));
  return { coordinator, openGate: () => gate.resolve() };
}

/** A server for `coordinator` on a free loopback port, closed after the test. */
export async function testServer(
  t: TestContext,
  coordinator: TaskCoordinator,
  options: Partial<WardenServerOptions> = {},
): Promise<WardenServer> {
  const server = await startWardenServer({
    coordinator,
    port: 0,
    runtime: false,
    logger: silentLogger,
    ...options,
  });
  t.after(() => server.close({ timeout: 5_000 }));
  return server;
}

/** `fetch` with a JSON body. */
export function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/** The JSON error body of a failed response, and its status. */
export async function errorOf(response: Response): Promise<{ status: number; code: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  assertErrorShape(body);
  return { status: response.status, code: body.error.code };
}

function assertErrorShape(body: { error?: { code?: unknown; message?: unknown } }): void {
  if (typeof body.error?.code !== 'string' || typeof body.error.message !== 'string') {
    throw new Error(`not an error body: ${JSON.stringify(body)}`);
  }
}

/** One thing on an event stream: an event, a comment, or a `retry:` line. */
export type SseItem =
  | {
      readonly kind: 'event';
      readonly id: string | undefined;
      readonly event: string;
      readonly data: string;
    }
  | { readonly kind: 'comment'; readonly text: string }
  | { readonly kind: 'retry'; readonly ms: number };

/** Parse a `text/event-stream` body as it arrives (the SSE spec's line rules, LF only). */
export async function* sseItems(body: ReadableStream<Uint8Array>): AsyncGenerator<SseItem> {
  const decoder = new TextDecoder();
  let buffer = '';
  let id: string | undefined;
  let event = 'message';
  let data: string[] = [];
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = buffer.indexOf('\n'); end !== -1; end = buffer.indexOf('\n')) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 1);
      if (line === '') {
        if (data.length > 0) yield { kind: 'event', id, event, data: data.join('\n') };
        event = 'message';
        data = [];
        continue;
      }
      const colon = line.indexOf(':');
      if (colon === 0) {
        yield { kind: 'comment', text: line.slice(1).trim() };
        continue;
      }
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'retry') yield { kind: 'retry', ms: Number(value) };
    }
  }
}

/** A task event as it arrives over SSE: the `event:` name and the parsed `data`. */
export interface StreamedEvent {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: { taskId: string; seq: number; type: string; data: unknown; time: number };
}

/** Read a whole stream (until the server ends it) and return its events. */
export async function readEvents(response: Response): Promise<StreamedEvent[]> {
  const events: StreamedEvent[] = [];
  if (response.body === null) return events;
  for await (const item of sseItems(response.body)) {
    if (item.kind === 'event') {
      events.push({ id: item.id, event: item.event, data: JSON.parse(item.data) });
    }
  }
  return events;
}
