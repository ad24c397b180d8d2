// A minimal HTTP/1.1 client connection for load generation: one keep-alive socket, one request
// at a time, requests written as prepared text, responses parsed only as far as needed (status,
// Content-Length or chunked framing; the body handed over as it arrives). It is what wrk and
// autocannon do, and for the same reason: on Node 20 a node:http client request costs about as
// much CPU as the server spends answering it (a fetch one three times that), so with one core
// per side the clients, not the server, would set the pace.
//
// Not a general client: no pipelining, no redirects, no trailers, no `Connection: close`
// handling beyond failing the request, no TLS.

import { connect, type Socket } from 'node:net';

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');

/** Receives a response's body as it arrives, without its chunked framing. */
export type BodySink = (piece: Buffer) => void;

/** One request in flight. */
interface Exchange {
  readonly sink: BodySink;
  readonly resolve: (status: number) => void;
  readonly reject: (error: Error) => void;
  status: number;
  /** Body bytes still to come (Content-Length), or -1 for chunked. */
  remaining: number;
  /** Chunked: bytes left in the current chunk (then its CRLF), or -1 between chunks. */
  chunkLeft: number;
  headDone: boolean;
}

/** One keep-alive connection to an `http://host:port` origin. */
export class RawConnection {
  private _pending: Buffer | undefined;
  private _exchange: Exchange | undefined;
  private _error: Error | undefined;

  private constructor(
    private readonly _socket: Socket,
    /** The `Host` header value. */
    readonly host: string,
  ) {
    _socket.setNoDelay(true);
    _socket.on('data', (chunk: Buffer) => this._onData(chunk));
    const fail = (error: Error): void => {
      this._error ??= error;
      const exchange = this._exchange;
      this._exchange = undefined;
      exchange?.reject(error);
    };
    _socket.on('error', fail);
    _socket.on('close', () => fail(new Error(`connection to ${this.host} closed`)));
  }

  /** Connect to `origin` (`http://127.0.0.1:port`). */
  static open(origin: string): Promise<RawConnection> {
    const { hostname, port, host } = new URL(origin);
    return new Promise<RawConnection>((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port) }, () => {
        socket.off('error', reject);
        resolve(new RawConnection(socket, host));
      });
      socket.once('error', reject);
    });
  }

  /**
   * Send `head` (the request line and headers, ending with a blank line) and `body`; resolve
   * with the status once the whole response has arrived, its body handed to `sink` meanwhile.
   */
  request(head: string, body: string | undefined, sink: BodySink): Promise<number> {
    if (this._error !== undefined) return Promise.reject(this._error);
    if (this._exchange !== undefined) return Promise.reject(new Error('one request at a time'));
    return new Promise<number>((resolve, reject) => {
      this._exchange = {
        sink,
        resolve,
        reject,
        status: 0,
        remaining: 0,
        chunkLeft: -1,
        headDone: false,
      };
      this._socket.write(body === undefined ? head : head + body);
    });
  }

  /** Close the socket. */
  close(): void {
    this._error ??= new Error('closed');
    this._socket.destroy();
  }

  private _onData(chunk: Buffer): void {
    let data = this._pending === undefined ? chunk : Buffer.concat([this._pending, chunk]);
    this._pending = undefined;
    const exchange = this._exchange;
    if (exchange === undefined) {
      this._socket.destroy(new Error(`unexpected bytes from ${this.host}`));
      return;
    }
    if (!exchange.headDone) {
      const end = data.indexOf(HEAD_END);
      if (end === -1) {
        this._pending = data;
        return;
      }
      this._parseHead(exchange, data.toString('latin1', 0, end));
      data = data.subarray(end + HEAD_END.length);
    }
    const done =
      exchange.remaining >= 0 ? this._fixed(exchange, data) : this._chunked(exchange, data);
    if (done) {
      this._exchange = undefined;
      exchange.resolve(exchange.status);
    }
  }

  private _parseHead(exchange: Exchange, head: string): void {
    exchange.headDone = true;
    exchange.status = Number(head.slice(9, 12));
    const lower = head.toLowerCase();
    const length = /\r\ncontent-length: *(\d+)/.exec(lower);
    if (length !== null) exchange.remaining = Number(length[1]);
    else if (lower.includes('\r\ntransfer-encoding: chunked')) exchange.remaining = -1;
    else exchange.remaining = 0;
  }

  /** Content-Length body; true once complete. */
  private _fixed(exchange: Exchange, data: Buffer): boolean {
    if (data.length > exchange.remaining) {
      this._socket.destroy(new Error(`${this.host} sent more than Content-Length`));
      return false;
    }
    if (data.length > 0) exchange.sink(data);
    exchange.remaining -= data.length;
    return exchange.remaining === 0;
  }

  /** Chunked body; true once the last chunk has arrived. */
  private _chunked(exchange: Exchange, data: Buffer): boolean {
    let at = 0;
    while (at < data.length) {
      if (exchange.chunkLeft > 0) {
        const take = Math.min(exchange.chunkLeft, data.length - at);
        exchange.sink(data.subarray(at, at + take));
        exchange.chunkLeft -= take;
        at += take;
        continue;
      }
      // At a chunk's trailing CRLF (chunkLeft 0) or at a size line (-1): need a whole line.
      const lineEnd = data.indexOf(CRLF, at);
      if (lineEnd === -1) {
        this._pending = data.subarray(at);
        return false;
      }
      if (exchange.chunkLeft === 0) {
        exchange.chunkLeft = -1;
        at = lineEnd + CRLF.length;
        continue;
      }
      const size = Number.parseInt(data.toString('latin1', at, lineEnd), 16);
      if (!(size >= 0)) {
        this._socket.destroy(new Error(`${this.host} sent a bad chunk size`));
        return false;
      }
      if (size === 0) {
        // The last chunk; no trailers are sent, so one more CRLF ends the body.
        if (data.length < lineEnd + 2 * CRLF.length) {
          this._pending = data.subarray(at);
          return false;
        }
        return true;
      }
      at = lineEnd + CRLF.length;
      exchange.chunkLeft = size;
    }
    return false;
  }
}
