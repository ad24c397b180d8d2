/**
 * Serves the dashboard: the page at `/` and its assets under `/dashboard/`, from memory.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { type DashboardAsset, dashboardAssets } from './dashboard-assets.js';

/**
 * Answer `req` if it asks for the dashboard, and return true; return false (and touch nothing)
 * for anything else, so the caller routes it on. `pathname` is the request's path relative to
 * where the handler is mounted, already split from the query.
 *
 * Serves `GET` and `HEAD` of `/` (the page) and of a fixed list of files under `/dashboard/`
 * (the page's modules and stylesheet, and Preact, its hooks and htm from their installed
 * packages, at `/dashboard/vendor/*.mjs`). Every answer carries `Cache-Control: no-cache` and an
 * `ETag` (a matching `If-None-Match` is a 304); the page also carries a Content-Security-Policy
 * that allows this origin only. A path not on the list, whatever it contains (`..`, encoded
 * slashes), is not served: no path is ever joined from the request. Other methods return false.
 *
 * The files are read on the first call and kept; a missing one throws from that call.
 *
 * Mounted under a prefix without a trailing slash (Express's `app.use('/warden', handler)` and a
 * request for `/warden`), the page's relative URLs would resolve against the parent, so the
 * request is redirected to `/warden/`.
 *
 * @example
 * ```ts
 * http.createServer((req, res) => {
 *   const { pathname } = new URL(req.url ?? '/', 'http://localhost');
 *   if (!serveDashboard(req, res, pathname)) api(req, res);
 * });
 * ```
 */
export function serveDashboard(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const asset = dashboardAssets().get(pathname);
  if (asset === undefined) return false;
  if (pathname === '/' && redirectToSlash(req, res)) return true;
  send(req, res, asset);
  return true;
}

/**
 * Whether {@link serveDashboard} would answer `req` for `pathname` (a `GET` or `HEAD` of the page
 * or one of its files), without answering it.
 */
export function dashboardServes(req: IncomingMessage, pathname: string): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (pathname !== '/' && !pathname.startsWith('/dashboard/')) return false;
  return dashboardAssets().has(pathname);
}

function send(req: IncomingMessage, res: ServerResponse, asset: DashboardAsset): void {
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('ETag', asset.etag);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (asset.contentSecurityPolicy !== undefined) {
    res.setHeader('Content-Security-Policy', asset.contentSecurityPolicy);
    res.setHeader('Referrer-Policy', 'no-referrer');
  }
  if (matchesEtag(req.headers['if-none-match'], asset.etag)) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.statusCode = 200;
  res.setHeader('Content-Type', asset.contentType);
  res.setHeader('Content-Length', asset.body.length);
  res.end(req.method === 'HEAD' ? undefined : asset.body);
}

/** Whether an `If-None-Match` header names `etag` (weak comparison, as RFC 9110 asks for GET). */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === etag;
  });
}

/** One path segment that is safe to echo into a relative `Location`. */
const SEGMENT = /^[A-Za-z0-9._~%!$&'()*+,;=:@-]+$/;

/**
 * When a framework mounted the handler under a prefix (it sets `originalUrl`, as Express and
 * Connect do) and the browser asked for the prefix without its trailing slash, redirect to it
 * with the slash. The `Location` is relative (`./warden/`), so it can only point back at this
 * origin.
 */
function redirectToSlash(req: IncomingMessage, res: ServerResponse): boolean {
  const { originalUrl } = req as IncomingMessage & { originalUrl?: unknown };
  if (typeof originalUrl !== 'string') return false;
  const queryAt = originalUrl.indexOf('?');
  const path = queryAt === -1 ? originalUrl : originalUrl.slice(0, queryAt);
  if (path.endsWith('/')) return false;
  const segment = path.slice(path.lastIndexOf('/') + 1);
  if (!SEGMENT.test(segment)) return false;
  const query = queryAt === -1 ? '' : originalUrl.slice(queryAt);
  res.statusCode = 308;
  res.setHeader('Location', `./${segment}/${SEGMENT.test(query.slice(1)) ? query : ''}`);
  res.setHeader('Cache-Control', 'no-cache');
  res.end();
  return true;
}
