// The cross-site check: a browser will send a request to this server from any page it shows
// (a form post, a no-cors fetch, an <img>), with the user's network position and, for a
// simple request, no preflight. Such a request is refused unless it comes from this server's
// own pages or from an origin the `cors` option trusts.
//
// Which page a request comes from is the browser's word: `Sec-Fetch-Site` (every current
// browser sends it), else `Origin` compared with `Host`. A request with neither is not from a
// browser page (curl, the `warden` CLI, a service): it passes, and the bearer token is what
// guards it. The same rule as Go's `http.CrossOriginProtection`, applied to reads as well
// (except a top-level navigation: a followed link shows the answer to the user, not the page),
// so another site cannot probe which tasks exist either.

import type { IncomingMessage } from 'node:http';
import { CrossSiteRequestError } from '../errors.js';

/**
 * Throw {@link CrossSiteRequestError} when `req` comes from a web page of another origin that
 * `trusted` (the `cors` origins; `'*'` trusts any) does not name. `OPTIONS` (a CORS preflight)
 * is left to the CORS code.
 */
export function checkCrossSite(
  req: IncomingMessage,
  trusted: ReadonlySet<string> | undefined,
): void {
  const method = req.method ?? 'GET';
  if (method === 'OPTIONS' || trusted?.has('*') === true) return;
  const origin = single(req.headers.origin);
  if (origin !== undefined && trusted?.has(origin) === true) return;
  const reads = method === 'GET' || method === 'HEAD';
  const site = single(req.headers['sec-fetch-site']);
  if (site !== undefined) {
    if (site === 'same-origin' || site === 'none') return;
    if (reads && isTopLevelNavigation(req)) return;
    throw new CrossSiteRequestError(
      `the browser says it comes from a page of another origin (Sec-Fetch-Site: ${site}${origin === undefined ? '' : `, Origin: ${origin}`}); only this server's pages and the cors origins may call it`,
    );
  }
  if (origin === undefined || isOwnOrigin(origin, req.headers.host)) return;
  throw new CrossSiteRequestError(
    `Origin ${origin} is not this server's origin; only this server's pages and the cors origins may call it`,
  );
}

/** A link followed in the browser's window: GET, `navigate`, into a document. */
function isTopLevelNavigation(req: IncomingMessage): boolean {
  return (
    single(req.headers['sec-fetch-mode']) === 'navigate' &&
    single(req.headers['sec-fetch-dest']) === 'document'
  );
}

/** Whether `origin` is the origin `Host` names (the scheme's default port may be left out). */
function isOwnOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const lower = host.toLowerCase();
  const defaultPort = url.protocol === 'https:' ? ':443' : ':80';
  return url.host === (lower.endsWith(defaultPort) ? lower.slice(0, -defaultPort.length) : lower);
}

/** A header's value; one sent twice is joined (`a, b`), which matches nothing trusted. */
function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
