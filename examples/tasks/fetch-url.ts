// A coordinator task that fetches a URL: it passes its token's
// signal to `fetch`, reports the response and its progress as it streams the body, and, when it
// is cancelled (a client's request, its timeout, a shutdown), says so before it ends, so every
// subscriber learns why the fetch stopped and how far it got. `fetch` closes the connection on
// the abort: nothing is left open.
//
// Use it as a definition:
//   coordinator.define('fetch-url', fetchUrl, { timeout: 30_000 });
// or run it:
//   node --import tsx examples/tasks/fetch-url.ts https://example.com
// (Ctrl-C cancels the fetch through the runtime's shutdown; the events show it.)

import { fileURLToPath } from 'node:url';
import { getDefaultRuntime, TaskCoordinator, type TaskDefinition } from '../../src/index.js';

/** What the task is started with. */
export interface FetchUrlInput {
  /** An `http:` or `https:` URL. */
  readonly url: string;
}

/** What it completes with. */
export interface FetchUrlResult {
  readonly url: string;
  readonly status: number;
  /** Bytes of body read. */
  readonly bytes: number;
}

/**
 * Fetch `ctx.input.url`. Events, in order: `request` `{ url }`, `response` `{ status, total }`
 * (`total`: the Content-Length, or null), `progress` `{ bytes, total }` per chunk of body, then
 * `completed` `{ result: { url, status, bytes } }`. When cancelled part-way: `fetch-cancelled`
 * `{ url, bytes, reason }`, then `cancelled`. A network error or a bad URL is `failed`.
 */
export const fetchUrl: TaskDefinition<FetchUrlInput, FetchUrlResult> = async (ctx) => {
  const { url } = ctx.input;
  ctx.emit('request', { url });
  let bytes = 0;
  try {
    const response = await fetch(url, { signal: ctx.token.signal });
    const length = response.headers.get('content-length');
    const total = length === null ? null : Number(length);
    ctx.emit('response', { status: response.status, total });
    if (response.body !== null) {
      for await (const chunk of response.body) {
        bytes += chunk.byteLength;
        ctx.progress({ bytes, total });
      }
    }
    return { url, status: response.status, bytes };
  } catch (error) {
    const reason = ctx.token.reason;
    if (reason !== undefined) {
      // The abort reached fetch (or the body stream): tell subscribers how far it got. The
      // error is re-thrown, so the task ends as `cancelled` (or `failed` with a TimeoutError).
      ctx.emit('fetch-cancelled', { url, bytes, reason: reason.kind });
    }
    throw error;
  }
};

async function main(url: string): Promise<void> {
  const runtime = getDefaultRuntime();
  runtime.install();
  const coordinator = new TaskCoordinator({ name: 'fetch-example' });
  coordinator.define('fetch-url', fetchUrl, { timeout: 30_000 });
  const id = await coordinator.start('fetch-url', { url });
  for await (const event of coordinator.subscribe(id)) {
    process.stdout.write(`${event.seq} ${event.type} ${JSON.stringify(event.data)}\n`);
  }
  await runtime.shutdown({ reason: 'example done' });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const url = process.argv[2];
  if (url === undefined) {
    process.stderr.write('usage: node --import tsx examples/tasks/fetch-url.ts <url>\n');
    process.exitCode = 2;
  } else {
    await main(url);
  }
}
