// Requests Node's parser refuses (a malformed request line, a bad header, headers past
// `maxHeaderSize`, a request that did not arrive within `headersTimeout` / `requestTimeout`)
// never reach the handler: Node reports them as the server's `clientError`. Without a listener
// Node writes a bare `400` / `431` / `408`; this one writes the same status with Warden's JSON
// error body, then closes the connection, since the parser cannot go on after an error.
//
// A response can only be written when none is in progress on that connection (a keep-alive
// connection whose previous response has finished is fine); otherwise the bytes would land in
// the middle of it, so the connection is just closed.

import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WardenError } from '../../errors.js';
import { BadRequestError, HeadersTooLargeError, RequestTimeoutError } from '../errors.js';
import { JSON_TYPE, statusOf } from './error-response.js';

/** The `clientError` side of a server: which connections are mid-response, and the listener. */
export interface ClientErrorAnswers {
  /** Count `res` as in progress on its connection until it closes. */
  track(req: IncomingMessage, res: ServerResponse): void;
  /** The server's `clientError` listener. */
  readonly listener: (error: Error, socket: Duplex) => void;
}

/** Answers for a server whose header limit is `maxHeaderSize()` bytes. */
export function clientErrorAnswers(maxHeaderSize: () => number): ClientErrorAnswers {
  const inProgress = new WeakMap<object, number>();
  return {
    track(req, res) {
      const socket = req.socket;
      inProgress.set(socket, (inProgress.get(socket) ?? 0) + 1);
      res.once('close', () => {
        const left = (inProgress.get(socket) ?? 1) - 1;
        if (left === 0) inProgress.delete(socket);
        else inProgress.set(socket, left);
      });
    },
    listener(error, socket) {
      if (!socket.writable || inProgress.has(socket) || codeOf(error) === 'ECONNRESET') {
        socket.destroy();
        return;
      }
      answerClientError(error, socket, maxHeaderSize());
    },
  };
}

/**
 * Write the answer to a parser error straight to `socket` (there is no response object) and
 * close it once written: 431 {@link HeadersTooLargeError}, 408 {@link RequestTimeoutError}, else
 * 400 {@link BadRequestError}, each as `{ error: { code, message } }`.
 */
export function answerClientError(error: Error, socket: Duplex, maxHeaderSize: number): void {
  const answer = errorFor(error, maxHeaderSize);
  const status = statusOf(answer);
  const body = JSON.stringify({ error: { code: answer.code, message: answer.message } });
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    `Content-Type: ${JSON_TYPE}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Cache-Control: no-store',
    'Connection: close',
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy());
}

function errorFor(error: Error, maxHeaderSize: number): WardenError {
  const code = codeOf(error);
  if (code === 'HPE_HEADER_OVERFLOW') return new HeadersTooLargeError(maxHeaderSize);
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return new RequestTimeoutError();
  // llhttp's reasons are fixed texts ("Invalid method encountered"): nothing the client sent.
  const reason = (error as { reason?: unknown }).reason;
  const why = typeof reason === 'string' && reason !== '' ? reason : (code ?? 'unknown error');
  return new BadRequestError(`the request is not valid HTTP/1.1 (${why})`);
}

function codeOf(error: Error): string | undefined {
  const { code } = error as { code?: unknown };
  return typeof code === 'string' ? code : undefined;
}
