// One Server-Sent Events response, written by hand (the wire format is four kinds of line).
//
// Backpressure: `send()` resolves only once the socket can take more (`drain`), so the caller
// pulls the next event from the coordinator only as fast as the client reads; the coordinator's
// bounded per-subscriber queue then ends a client that falls too far behind with `overflow`.
// What this process holds for a slow client is that queue plus one socket buffer.
//
// The keep-alive timer also watches for a client that reads nothing at all: when bytes have been
// waiting for the socket for a whole interval and none of them went out, the connection is
// destroyed, which ends the subscription (and, after `end()`, lets `closed` settle).

import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TaskEvent } from '../../backend/task-events.js';

/** Options of one {@link SseStream}. */
export interface SseStreamOptions {
  /** The task whose events these are. */
  readonly taskId: string;
  /** The seq the client already has (its `Last-Event-ID`). */
  readonly lastEventId: number;
  /** Milliseconds between keep-alive comments (and stall checks). */
  readonly keepAliveInterval: number;
  /**
   * Whether each event carries an `event:` line with its type. Without it, every event reaches
   * an EventSource as `message` (the type is in the data): how a browser sees types it cannot
   * know in advance.
   */
  readonly named: boolean;
}

/** An open `text/event-stream` response. */
export class SseStream {
  /** Settles once the response has closed: finished and flushed, or the connection gone. */
  readonly closed: Promise<void>;

  private readonly _res: ServerResponse;
  private readonly _controller = new AbortController();
  private readonly _keepAliveInterval: number;
  private readonly _taskId: string;
  private readonly _named: boolean;
  private _lastEventId: number;
  private _timer: NodeJS.Timeout | undefined = undefined;
  private _ended = false;
  private _wake: (() => void) | undefined = undefined;
  /** Bytes the socket had sent, and whether bytes were waiting, at the last stall check. */
  private _sentAtLastCheck = -1;
  private _waitingAtLastCheck = false;

  constructor(res: ServerResponse, options: SseStreamOptions) {
    this._res = res;
    this._taskId = options.taskId;
    this._named = options.named;
    this._lastEventId = options.lastEventId;
    this._keepAliveInterval = options.keepAliveInterval;
    this.closed = new Promise<void>((resolve) => {
      const onClose = (): void => {
        this._ended = true;
        clearInterval(this._timer);
        this._timer = undefined;
        this._controller.abort(STREAM_CLOSED);
        this._wakeWriter();
        resolve();
      };
      // The client may have gone while the route was still looking the task up.
      if (res.closed || res.destroyed) onClose();
      else res.once('close', onClose);
    });
  }

  /** Aborted when the client goes away or the stream is shut down: stops the subscription. */
  get signal(): AbortSignal {
    return this._controller.signal;
  }

  /** The seq of the last event written (or the client's `Last-Event-ID`). */
  get lastEventId(): number {
    return this._lastEventId;
  }

  /** True once the response is ended (or gone). */
  get ended(): boolean {
    return this._ended;
  }

  /** Send the headers and `retry:`, and start the keep-alive timer. */
  open(retry: number): void {
    if (this._ended) return;
    const res = this._res;
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    // Tells nginx-style proxies not to buffer the stream.
    res.setHeader('X-Accel-Buffering', 'no');
    res.socket?.setNoDelay(true);
    res.write(`retry: ${retry}\n\n`);
    this._timer = setInterval(() => this._tick(), this._keepAliveInterval);
    this._timer.unref();
  }

  /**
   * Write `event`; resolve once the socket can take more. Resolves false when the stream has
   * ended or the client is gone (stop iterating), true otherwise.
   */
  async send(event: TaskEvent): Promise<boolean> {
    if (this._ended) return false;
    this._lastEventId = event.seq;
    if (!this._res.write(formatEvent(event, this._named))) await this._drained();
    return !this._ended;
  }

  /**
   * End the stream now with a final `shutdown` event (the server is shutting down), unless it
   * has already ended. Stops the subscription at once.
   */
  shutdown(message: string): void {
    if (this._ended) return;
    this._controller.abort(STREAM_CLOSED);
    const lastEventId = this._lastEventId;
    this._res.write(
      formatEvent(
        {
          taskId: this._taskId,
          seq: lastEventId,
          type: 'shutdown',
          data: { reason: { kind: 'shutdown', message }, lastEventId },
          time: Date.now(),
        },
        this._named,
      ),
    );
    this.end();
  }

  /** End the response (idempotent). The keep-alive timer runs on until it has flushed. */
  end(): void {
    if (this._ended) return;
    this._ended = true;
    this._wakeWriter();
    this._res.end();
  }

  private _drained(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this._res.off('drain', done);
        if (this._wake === done) this._wake = undefined;
        resolve();
      };
      this._wake = done;
      this._res.on('drain', done);
    });
  }

  private _wakeWriter(): void {
    this._wake?.();
  }

  private _tick(): void {
    const socket = this._res.socket;
    if (socket === null || socket.destroyed) return;
    if (this._stalled(socket)) {
      socket.destroy();
      return;
    }
    if (!this._ended && this._wake === undefined) this._res.write(': keep-alive\n\n');
  }

  /** True when bytes have waited a whole interval and none went out. */
  private _stalled(socket: Socket): boolean {
    // bytesWritten counts what is still buffered; minus writableLength, it is what was sent.
    const sent = socket.bytesWritten - socket.writableLength;
    const waiting = socket.writableLength > 0;
    const stalled = waiting && this._waitingAtLastCheck && sent === this._sentAtLastCheck;
    this._sentAtLastCheck = sent;
    this._waitingAtLastCheck = waiting;
    return stalled;
  }
}

/**
 * One event on the wire: `id`, `event` (unless unnamed), and the whole {@link TaskEvent} as one
 * `data` line.
 */
export function formatEvent(event: TaskEvent, named = true): string {
  // Subscribers of one task share the history's event objects: format each once, not once per
  // stream (with 1,000 clients, stringifying dominated the server's time).
  const cache = named ? namedFrames : unnamedFrames;
  let frame = cache.get(event);
  if (frame === undefined) {
    // JSON.stringify escapes line breaks, so the data is always one line; event types cannot
    // contain whitespace (the backend refuses them).
    const name = named ? `event: ${event.type}\n` : '';
    frame = `id: ${event.seq}\n${name}data: ${JSON.stringify(event)}\n\n`;
    cache.set(event, frame);
  }
  return frame;
}

/** The abort reason of every stream's subscription: one object (abort() alone builds a DOMException per call). */
const STREAM_CLOSED = new Error('the event stream closed');

const namedFrames = new WeakMap<TaskEvent, string>();
const unnamedFrames = new WeakMap<TaskEvent, string>();
