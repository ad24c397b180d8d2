// Cross-origin resource sharing for the configured origins only. A request from an allowed
// origin gets `Access-Control-Allow-Origin` naming it; a preflight (`OPTIONS` with
// `Access-Control-Request-Method`) gets the route's methods and the headers the API reads.
// Any other origin gets no CORS headers, so the browser refuses it.

import type { IncomingMessage, ServerResponse } from 'node:http';

/** Request headers a browser may send cross-origin. */
const ALLOWED_HEADERS = 'Authorization, Content-Type, Last-Event-ID';
/** Response headers a cross-origin script may read. */
const EXPOSED_HEADERS = 'Location, Retry-After, WWW-Authenticate';
/** How long a browser may cache a preflight answer, in seconds. */
const PREFLIGHT_MAX_AGE = 600;

/** Add the CORS headers when `req` comes from one of `origins`. */
export function applyCors(
  req: IncomingMessage,
  res: ServerResponse,
  origins: ReadonlySet<string>,
): void {
  res.setHeader('Vary', 'Origin');
  const origin = req.headers.origin;
  if (origin === undefined) return;
  if (origins.has('*')) res.setHeader('Access-Control-Allow-Origin', '*');
  else if (origins.has(origin)) res.setHeader('Access-Control-Allow-Origin', origin);
  else return;
  res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
}

/** Answer a preflight `OPTIONS` for a route that accepts `methods`: 204. */
export function answerPreflight(res: ServerResponse, methods: readonly string[]): void {
  if (res.hasHeader('Access-Control-Allow-Origin')) {
    res.setHeader('Access-Control-Allow-Methods', methods.join(', '));
    res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
    res.setHeader('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE));
  }
  res.setHeader('Allow', methods.join(', '));
  res.statusCode = 204;
  res.end();
}
