// What the benchmark clients send and read, over raw-connection.ts: a JSON POST, and an event
// stream parsed minimally: frames are counted by their `\n\n` terminators (SSE lines never hold
// a raw line break, so each frame has exactly one), and only the last frame's `event:` is
// decoded, to tell how the stream ended.

import { RawConnection } from './raw-connection.js';

/** `count` keep-alive connections to `origin`. */
export function openConnections(origin: string, count: number): Promise<RawConnection[]> {
  return Promise.all(Array.from({ length: count }, () => RawConnection.open(origin)));
}

/** A response read to its end. */
export interface TextResponse {
  readonly status: number;
  readonly text: string;
}

/** `POST path` with a JSON body; resolves with the status and the whole body. */
export async function postJson(
  connection: RawConnection,
  path: string,
  json: string,
): Promise<TextResponse> {
  const head = `POST ${path} HTTP/1.1\r\nHost: ${connection.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n`;
  const pieces: Buffer[] = [];
  const status = await connection.request(head, json, (piece) => pieces.push(piece));
  return { status, text: Buffer.concat(pieces).toString('utf8') };
}

/** How an event stream went. */
export interface StreamTally {
  readonly status: number;
  /** Frames received (events, plus the `retry:` frame and any comments). */
  readonly frames: number;
  /** Of those, comments (`: keep-alive`). */
  readonly comments: number;
  /** The `event:` of the last frame (`completed` for a task that succeeded). */
  readonly lastEvent: string | undefined;
}

const LF = 0x0a;
const COLON = 0x3a;
const FRAME_END = Buffer.from('\n\n');

/** Bytes of the stream's end kept to read the last frame's `event:` (a frame is ~200 bytes). */
const TAIL_BYTES = 1_024;

/**
 * Counts `\n\n`-terminated frames across pieces, and the comments among them (a frame that
 * starts with `:`), and keeps the stream's last bytes.
 */
class FrameCounter {
  frames = 0;
  comments = 0;
  private _endsWithLf = false;
  /** The next piece starts a frame. */
  private _atFrameStart = true;
  /** The latest pieces, together at least TAIL_BYTES long (unless the stream is shorter). */
  private readonly _tail: Buffer[] = [];
  private _tailBytes = 0;

  push(piece: Buffer): void {
    let from = 0;
    // A terminator split across two pieces (SSE never has three line breaks in a row).
    if (this._endsWithLf && piece[0] === LF) {
      this.frames++;
      from = 1;
      this._atFrameStart = true;
    }
    if (this._atFrameStart && from < piece.length) {
      if (piece[from] === COLON) this.comments++;
      this._atFrameStart = false;
    }
    for (;;) {
      const at = piece.indexOf(FRAME_END, from);
      if (at === -1) break;
      this.frames++;
      from = at + FRAME_END.length;
      if (from === piece.length) this._atFrameStart = true;
      else if (piece[from] === COLON) this.comments++;
    }
    this._endsWithLf = piece.length > from && piece[piece.length - 1] === LF;
    this._tail.push(piece);
    this._tailBytes += piece.length;
    while (this._tailBytes - (this._tail[0]?.length ?? 0) >= TAIL_BYTES) {
      this._tailBytes -= this._tail.shift()?.length ?? 0;
    }
  }

  /** The `event:` field of the last frame. */
  lastEvent(): string | undefined {
    const tail = Buffer.concat(this._tail).toString('utf8');
    const at = tail.lastIndexOf('\nevent: ');
    if (at === -1) return undefined;
    const end = tail.indexOf('\n', at + 1);
    return tail.slice(at + '\nevent: '.length, end === -1 ? undefined : end);
  }
}

/** An open event stream. */
export interface EventStreamReader {
  /** Resolves once `readyAfterFrames` frames have arrived (e.g. 2: `retry:` and `started`). */
  readonly ready: Promise<void>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<StreamTally>;
}

/** `GET path` as an event stream; counts its frames until the server ends it. */
export function readEventStream(
  connection: RawConnection,
  path: string,
  readyAfterFrames = 1,
): EventStreamReader {
  let markReady = (): void => {};
  let failReady = (_error: Error): void => {};
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  const counter = new FrameCounter();
  let isReady = false;
  const head = `GET ${path} HTTP/1.1\r\nHost: ${connection.host}\r\nAccept: text/event-stream\r\n\r\n`;
  const ended = connection
    .request(head, undefined, (piece) => {
      counter.push(piece);
      if (!isReady && counter.frames >= readyAfterFrames) {
        isReady = true;
        markReady();
      }
    })
    .then((status): StreamTally => {
      if (!isReady) throw new Error(`${path}: ${status} ended after ${counter.frames} frames`);
      return {
        status,
        frames: counter.frames,
        comments: counter.comments,
        lastEvent: counter.lastEvent(),
      };
    });
  ended.catch((error: Error) => failReady(error));
  // The caller may wait on only one of the two; neither may count as an unhandled rejection.
  ready.catch(() => {});
  return { ready, ended };
}
