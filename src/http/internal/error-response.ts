// JSON responses, and how an error becomes one: each Warden error code has its status (the table
// in docs/http.md); anything else is a 500 that says nothing and is logged with its stack.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { WardenError } from '../../errors.js';
import type { Logger } from '../../observe/logger.js';
import { InternalServerError, MethodNotAllowedError, UnauthorizedError } from '../errors.js';
import { hasUnreadBody } from './body.js';

/** HTTP status of each Warden error code the API answers with; any other code is a 500. */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  WARDEN_ERR_BAD_REQUEST: 400,
  WARDEN_ERR_INVALID_ARGUMENT: 400,
  WARDEN_ERR_INVALID_PAYLOAD: 400,
  WARDEN_ERR_UNAUTHORIZED: 401,
  WARDEN_ERR_CROSS_SITE_REQUEST: 403,
  WARDEN_ERR_ROUTE_NOT_FOUND: 404,
  WARDEN_ERR_UNKNOWN_TASK: 404,
  WARDEN_ERR_UNKNOWN_TASK_TYPE: 404,
  WARDEN_ERR_METHOD_NOT_ALLOWED: 405,
  WARDEN_ERR_REQUEST_TIMEOUT: 408,
  WARDEN_ERR_DUPLICATE_TASK_ID: 409,
  WARDEN_ERR_REQUEST_TOO_LARGE: 413,
  WARDEN_ERR_PAYLOAD_TOO_LARGE: 413,
  WARDEN_ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  WARDEN_ERR_HOST_NOT_ALLOWED: 421,
  WARDEN_ERR_QUEUE_FULL: 429,
  WARDEN_ERR_HEADERS_TOO_LARGE: 431,
  WARDEN_ERR_COORDINATOR_SHUT_DOWN: 503,
  WARDEN_ERR_BACKEND_SHUT_DOWN: 503,
  WARDEN_ERR_DATABASE_UNAVAILABLE: 503,
};

/** Seconds a client is asked to wait after a 429 (the queue drains as tasks finish). */
const RETRY_AFTER_SECONDS = 1;

/** The JSON content type of every API response. */
export const JSON_TYPE = 'application/json; charset=utf-8';

/** Send `body` as JSON with `status`. A HEAD request gets the headers only (Node drops the body). */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', JSON_TYPE);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.setHeader('Cache-Control', 'no-store');
  res.end(text);
}

/** The status an error is answered with: its code's, else 500. */
export function statusOf(error: unknown): number {
  if (!(error instanceof WardenError)) return 500;
  return STATUS_BY_CODE[error.code] ?? 500;
}

/**
 * Answer `error` as `{ error: { code, message } }` with its status and the headers its status
 * calls for. A 5xx is logged (with the stack); a 500 hides the message from the client. When the
 * response has already started (an event stream), the connection is ended instead.
 */
export function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  error: unknown,
  logger: Logger,
): void {
  const status = statusOf(error);
  if (status >= 500) {
    // A 503 is the service saying it is going away; anything else is a fault.
    const url = redactToken(req.url ?? '');
    const level = status === 500 ? 'error' : 'warn';
    logger[level](
      { err: error, method: req.method, url, status },
      `${req.method} ${url} failed with ${status}`,
    );
  }
  if (res.headersSent) {
    res.end();
    return;
  }
  const shown = status === 500 ? new InternalServerError(error) : (error as WardenError);
  if (error instanceof MethodNotAllowedError) res.setHeader('Allow', error.allowed.join(', '));
  if (error instanceof UnauthorizedError && !res.hasHeader('WWW-Authenticate')) {
    res.setHeader('WWW-Authenticate', 'Bearer realm="warden"');
  }
  if (status === 429) res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
  // The rest of a body we refused (too large, wrong type, or not even looked at) is never read.
  if (hasUnreadBody(req)) res.setHeader('Connection', 'close');
  sendJson(res, status, { error: { code: shown.code, message: shown.message } });
}

/** `url` without the value of an `access_token` query parameter, for logs. */
function redactToken(url: string): string {
  return url.replace(/([?&]access_token=)[^&#]*/gi, '$1[redacted]');
}
