// A raw Server-Sent Events client on node:http, for the SIGTERM cases: it keeps every frame it
// parsed, never reconnects (a reconnecting client would hide how a stream ended), and says
// whether the server ended the stream cleanly.

import { request } from 'node:http';
import { within } from '../../helpers.js';

/** One dispatched SSE frame. */
export interface SseFrame {
  readonly id: string | undefined;
  /** The `event:` field (`message` when absent). */
  readonly event: string;
  readonly data: string;
}

/** An open stream and what it has received so far. */
export interface SseStream {
  readonly frames: SseFrame[];
  /** Settles once the connection has closed: `end` when the server ended the response. */
  readonly closed: Promise<'end' | 'aborted'>;
  /** The first frame (seen already or to come) matching `predicate`; bounded. */
  next(predicate: (frame: SseFrame) => boolean, timeout?: number): Promise<SseFrame>;
  /** Close it from this side. */
  destroy(): void;
}

/** GET `url` as an event stream; resolves once the 200 response has begun. */
export function openSse(url: string): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { accept: 'text/event-stream' } });
    req.on('error', reject);
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`GET ${url} answered ${res.statusCode}`));
        return;
      }
      const frames: SseFrame[] = [];
      const waiters = new Set<{
        predicate: (frame: SseFrame) => boolean;
        resolve(f: SseFrame): void;
      }>();
      let buffer = '';
      let fields: { id?: string; event?: string; data: string[] } = { data: [] };
      const dispatch = (): void => {
        if (fields.data.length > 0 || fields.event !== undefined) {
          const frame = {
            id: fields.id,
            event: fields.event ?? 'message',
            data: fields.data.join('\n'),
          };
          frames.push(frame);
          for (const waiter of [...waiters]) {
            if (waiter.predicate(frame)) {
              waiters.delete(waiter);
              waiter.resolve(frame);
            }
          }
        }
        fields = { data: [] };
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
          const line = buffer.slice(0, nl).replace(/\r$/, '');
          buffer = buffer.slice(nl + 1);
          if (line === '') dispatch();
          else if (!line.startsWith(':')) {
            const colon = line.indexOf(':');
            const name = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (name === 'data') fields.data.push(value);
            else if (name === 'event') fields.event = value;
            else if (name === 'id') fields.id = value;
          }
        }
      });
      const closed = new Promise<'end' | 'aborted'>((done) => {
        let ended = false;
        res.on('end', () => {
          ended = true;
        });
        res.on('close', () => done(ended ? 'end' : 'aborted'));
        res.on('error', () => {});
      });
      resolve({
        frames,
        closed,
        next(predicate, timeout = 60_000) {
          const seen = frames.find(predicate);
          if (seen !== undefined) return Promise.resolve(seen);
          let waiter:
            | { predicate: (frame: SseFrame) => boolean; resolve(f: SseFrame): void }
            | undefined;
          const found = new Promise<SseFrame>((resolveFrame) => {
            waiter = { predicate, resolve: resolveFrame };
            waiters.add(waiter);
          });
          return within(found, { timeout, what: `an SSE frame from ${url}` }).finally(() => {
            if (waiter !== undefined) waiters.delete(waiter);
          });
        },
        destroy: () => req.destroy(),
      });
    });
    req.end();
  });
}
