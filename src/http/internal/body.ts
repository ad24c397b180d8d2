// Reading a JSON request body with a byte limit. A body over the limit is refused as soon as it
// is known to be (from Content-Length, or when the count passes the limit): reading stops, and
// the caller answers 413 and closes the connection, so the rest of a huge upload is never read.

import type { IncomingMessage } from 'node:http';
import { BadRequestError, RequestTooLargeError, UnsupportedMediaTypeError } from '../errors.js';

/** The result of {@link readJsonBody}: `present` is false when the request had no body. */
export type JsonBody =
  | { readonly present: false }
  | { readonly present: true; readonly value: unknown };

const ABSENT: JsonBody = { present: false };

/**
 * Read `req`'s body as JSON, at most `limit` bytes. Throws {@link UnsupportedMediaTypeError} for
 * a body that is not `application/json` (and for no body with another declared type), {@link RequestTooLargeError} past the limit, and
 * {@link BadRequestError} for bytes that are not UTF-8 JSON or a request aborted midway.
 *
 * A framework that already read the body (Express's `express.json()` sets `req.body`) is
 * trusted: its parsed value is used, since the stream has nothing left to read.
 */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<JsonBody> {
  const parsedByFramework = frameworkBody(req);
  if (parsedByFramework !== undefined) return parsedByFramework;
  const length = declaredLength(req);
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if (length === 0 || (length === undefined && !chunked)) {
    // No body, but a declared type must still be JSON: an empty form post
    // (`application/x-www-form-urlencoded`, `text/plain`) is what a page of another site can
    // send without asking, and it must not count as "no options".
    if (req.headers['content-type'] !== undefined) checkContentType(req);
    return ABSENT;
  }
  checkContentType(req);
  if (length !== undefined && length > limit) throw new RequestTooLargeError(limit);
  const bytes = await readBytes(req, limit);
  if (bytes.length === 0) return ABSENT;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new BadRequestError('the body is not valid UTF-8');
  }
  try {
    return { present: true, value: JSON.parse(text) as unknown };
  } catch {
    throw new BadRequestError('the body is not valid JSON');
  }
}

/** The body a framework already parsed, when it consumed the stream. */
function frameworkBody(req: IncomingMessage): JsonBody | undefined {
  const parsed = req as IncomingMessage & { body?: unknown; _body?: unknown };
  if (!req.readableEnded && parsed._body !== true) return undefined;
  const { body } = parsed;
  if (body === undefined) {
    if (req.headers['content-type'] !== undefined) checkContentType(req);
    return ABSENT;
  }
  checkContentType(req);
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    const text = body.toString();
    if (text.length === 0) return ABSENT;
    try {
      return { present: true, value: JSON.parse(text) as unknown };
    } catch {
      throw new BadRequestError('the body is not valid JSON');
    }
  }
  return { present: true, value: body };
}

function declaredLength(req: IncomingMessage): number | undefined {
  const header = req.headers['content-length'];
  if (header === undefined) return undefined;
  // Node's parser has already refused a malformed Content-Length.
  return Number(header);
}

/** `application/json`, with or without parameters (`; charset=utf-8`). */
function checkContentType(req: IncomingMessage): void {
  const header = req.headers['content-type'] ?? '';
  const mediaType = header.split(';', 1)[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') throw new UnsupportedMediaTypeError(header);
}

/** Collect the body's bytes; stop and reject as soon as they pass `limit`. */
function readBytes(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limit) {
        cleanup();
        // Stop pulling from the socket; the 413 closes the connection.
        req.pause();
        chunks.length = 0;
        reject(new RequestTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, received));
    };
    const onError = (): void => {
      cleanup();
      reject(new BadRequestError('the request body could not be read'));
    };
    const onClose = (): void => {
      if (req.readableEnded) return;
      cleanup();
      reject(new BadRequestError('the request was aborted before its body ended'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/**
 * True when `req` came with a body that nobody has read. Answering such a request must close
 * the connection: otherwise Node reads (and discards) the whole rest of the body to reuse it.
 */
export function hasUnreadBody(req: IncomingMessage): boolean {
  if (req.readableEnded) return false;
  const length = declaredLength(req);
  return (length !== undefined && length > 0) || req.headers['transfer-encoding'] !== undefined;
}
