// The route table's shape and its matcher: fixed paths with `:id` segments, each with the methods
// it accepts. A path that matches no route is someone else's (the `next()` of a mounted
// handler); a path that matches with the wrong method is a 405 naming the right ones.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CancelToken } from '../../cancel/cancel-token.js';
import type { TaskCoordinator } from '../../coordinator/task-coordinator.js';
import { BadRequestError } from '../errors.js';
import type { WardenMetrics } from '../metrics.js';
import type { ResolvedHandlerOptions } from '../options.js';
import type { SseStream } from './sse-stream.js';

/** What every route can reach: the coordinator, the options and the handler's state. */
export interface RouteHost {
  readonly coordinator: TaskCoordinator;
  readonly options: ResolvedHandlerOptions;
  /** Undefined when `/metrics` is off. */
  readonly metrics: WardenMetrics | undefined;
  /** True once the handler's `close()` was called. */
  readonly closed: boolean;
  /** Whether to report ready: not closed, and the runtime not shutting down. */
  ready(): boolean;
  /** Whether to report live: the runtime has not failed or stopped. */
  live(): boolean;
  /** Count an open event stream until it closes (for `openStreams` and the metrics). */
  track(stream: SseStream): void;
}

/** One request as a route sees it. */
export interface RouteRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  /** The raw `:id` segment, when the route has one (checked by the route). */
  readonly id: string | undefined;
  /**
   * The request's token, a child of the handler's scope: cancelled when the handler closes (an
   * event stream then ends with `shutdown`).
   */
  readonly token: CancelToken;
}

/** A method a route serves (HEAD is served wherever GET is). */
export type RouteMethod = 'GET' | 'POST';

/** What a route does for one method. */
export type RouteFn = (host: RouteHost, request: RouteRequest) => Promise<void> | void;

/** One route. */
export interface Route {
  /** E.g. `/tasks/:id/events`. */
  readonly path: string;
  /** What it does, per method it accepts. */
  readonly methods: Readonly<Partial<Record<RouteMethod, RouteFn>>>;
  /** Whether the bearer token (when set) is required. */
  readonly auth: boolean;
  /** Whether the token may come as the `access_token` query parameter. */
  readonly tokenInQuery?: boolean;
}

/** A matched route and its `:id`. */
export interface RouteMatch {
  readonly route: Route;
  readonly id: string | undefined;
}

/** The first route whose path matches `pathname`. */
export function matchRoute(routes: readonly Route[], pathname: string): RouteMatch | undefined {
  const segments = pathname.split('/');
  for (const route of routes) {
    const pattern = route.path.split('/');
    if (pattern.length !== segments.length) continue;
    let id: string | undefined;
    let matched = true;
    for (let i = 0; i < pattern.length && matched; i++) {
      const expected = pattern[i] as string;
      const actual = segments[i] as string;
      if (expected === ':id') {
        id = actual;
        matched = actual.length > 0;
      } else matched = expected === actual;
    }
    if (matched) return { route, id };
  }
  return undefined;
}

/** The methods to name in `Allow` for `route`. */
export function allowedMethods(route: Route, cors: boolean): string[] {
  const allowed: string[] = [];
  for (const method of Object.keys(route.methods)) {
    allowed.push(method);
    if (method === 'GET') allowed.push('HEAD');
  }
  if (cors) allowed.push('OPTIONS');
  return allowed;
}

const BASE = 'http://warden.invalid';

/**
 * The request's URL, relative to where the handler is mounted (Express strips its mount path
 * from `req.url`). A path is always taken as a path, even one that starts with `//`.
 */
export function requestUrl(req: IncomingMessage): URL {
  const raw = req.url ?? '/';
  try {
    return raw.startsWith('/') ? new URL(`${BASE}${raw}`) : new URL(raw, BASE);
  } catch {
    throw new BadRequestError('the request URL is malformed');
  }
}
