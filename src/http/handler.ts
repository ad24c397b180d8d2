/**
 * The Warden HTTP API as one `(req, res, next?)` request handler, to mount anywhere.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { CancelReason } from '../cancel/cancel-reason.js';
import { CancelToken } from '../cancel/cancel-token.js';
import { TaskCoordinator } from '../coordinator/task-coordinator.js';
import { InvalidArgumentError } from '../errors.js';
import { Scope } from '../task/scope.js';
import { dashboardServes, serveDashboard } from './dashboard/serve-dashboard.js';
import { MethodNotAllowedError, RouteNotFoundError } from './errors.js';
import { tokenCheck } from './internal/auth.js';
import { answerPreflight, applyCors } from './internal/cors.js';
import { checkCrossSite } from './internal/cross-site.js';
import { sendError } from './internal/error-response.js';
import { sendContinue } from './internal/expect-continue.js';
import { checkHost } from './internal/host-check.js';
import {
  allowedMethods,
  matchRoute,
  type RouteHost,
  type RouteMethod,
  requestUrl,
} from './internal/router.js';
import { wardenRoutes } from './internal/routes.js';
import { HANDLER_CLOSED_MESSAGE } from './internal/routes-events.js';
import type { SseStream } from './internal/sse-stream.js';
import { createWardenMetrics } from './metrics.js';
import { resolveHandlerOptions, type WardenHandlerOptions } from './options.js';

/**
 * The Warden API as a request handler: `handler(req, res)` in a `node:http` server, or
 * `app.use('/warden', handler)` in Express or Connect (a path it does not serve goes to
 * `next()`). Made by {@link createWardenHandler}.
 */
export interface WardenHandler {
  /**
   * Serve one request. With `next` (Express, Connect), a path the API does not serve is passed
   * on; without it, such a path is a 404.
   */
  (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void;
  /** False once `close()` was called or the runtime's shutdown began: `/readyz` says 503. */
  readonly ready: boolean;
  /** Event streams open now. */
  readonly openStreams: number;
  /**
   * Stop being ready, end every open event stream with a final `shutdown` event, and resolve
   * once they have closed (a client that reads nothing is disconnected within two
   * `keepAliveInterval`s). Disposes the metrics the handler made. Idempotent. The handler still
   * answers requests afterwards; a new event stream gets `shutdown` at once.
   */
  close(): Promise<void>;
}

/**
 * Serve `coordinator` over HTTP: the JSON task API, each task's events as Server-Sent Events,
 * `/healthz`, `/readyz`, `/metrics` and the dashboard. Routes, statuses and options are in
 * `docs/http.md`. Uses `node:http` only; no framework.
 *
 * **Security.** Without `token`, anyone who can reach the socket can start and cancel tasks:
 * mount it only where that is intended (see {@link startWardenServer}, which refuses to listen
 * beyond loopback without one). Whatever the token, a request whose `Host` is not an IP
 * address, `localhost` or one of `allowedHosts` is a 421 (DNS rebinding), and one from a web
 * page of another origin than this server's (or the `cors` ones) is a 403. Mounted behind a
 * name (`app.example.com`), list that name in `allowedHosts`. See `docs/security.md`.
 *
 * **Backpressure.** An event stream pulls the next event only once the socket has taken the
 * last; a client that falls `maxQueuedEvents` behind gets `overflow` and is ended, and one that
 * reads nothing for a whole `keepAliveInterval` is disconnected.
 *
 * @example
 * ```ts
 * const coordinator = new TaskCoordinator();
 * const handler = createWardenHandler(coordinator, { token: process.env.WARDEN_TOKEN });
 * const app = express();
 * app.use('/warden', handler);
 * const server = app.listen(8080);
 * // on shutdown: streams get `shutdown`, then the server can close
 * await handler.close();
 * server.close();
 * ```
 */
export function createWardenHandler(
  coordinator: TaskCoordinator,
  options: WardenHandlerOptions = {},
): WardenHandler {
  if (!(coordinator instanceof TaskCoordinator)) {
    throw new InvalidArgumentError('coordinator', 'a TaskCoordinator', coordinator);
  }
  const resolved = resolveHandlerOptions(options);
  const { runtime, logger, corsOrigins, allowedHosts } = resolved;
  const ownsMetrics = resolved.metrics === undefined;
  const metrics =
    resolved.metrics === false ? undefined : (resolved.metrics ?? createWardenMetrics(coordinator));
  const routes = wardenRoutes(metrics !== undefined);
  const token = resolved.token === undefined ? undefined : tokenCheck(resolved.token);
  const streams = new Set<SseStream>();
  let closing: Promise<void> | undefined;
  // Every request runs as a task of this scope: closing the handler cancels it (event streams
  // end with `shutdown`), then waits for every request still in flight.
  const scope = new Scope({ name: 'warden http handler', policy: 'isolate', logger });

  const host: RouteHost = {
    coordinator,
    options: resolved,
    metrics,
    get closed() {
      return closing !== undefined;
    },
    ready: () => closing === undefined && (runtime === false || runtime.health().ready),
    live: () => runtime === false || runtime.health().live,
    track(stream) {
      streams.add(stream);
      metrics?.streamOpened();
      void stream.closed.then(() => {
        streams.delete(stream);
        metrics?.streamClosed();
      });
    },
  };

  const handle = async (
    req: IncomingMessage,
    res: ServerResponse,
    next: ((error?: unknown) => void) | undefined,
    requestToken: CancelToken,
  ): Promise<void> => {
    const url = requestUrl(req);
    const { pathname } = url;
    const dashboard = resolved.dashboard && dashboardServes(req, pathname);
    const match = dashboard ? undefined : matchRoute(routes, pathname);
    // A path that is not ours is the host server's business, Host and origin included.
    if (!dashboard && match === undefined && next !== undefined) return next();
    checkHost(req, allowedHosts);
    checkCrossSite(req, corsOrigins);
    if (dashboard) {
      serveDashboard(req, res, pathname);
      return;
    }
    if (match === undefined) throw new RouteNotFoundError(req.method ?? 'GET', pathname);
    const { route } = match;
    const allowed = allowedMethods(route, corsOrigins !== undefined);
    if (corsOrigins !== undefined) {
      applyCors(req, res, corsOrigins);
      if (req.method === 'OPTIONS') return answerPreflight(res, allowed);
    }
    const method = (req.method === 'HEAD' ? 'GET' : req.method) as RouteMethod;
    const serve = Object.hasOwn(route.methods, method) ? route.methods[method] : undefined;
    if (serve === undefined) throw new MethodNotAllowedError(req.method ?? '', pathname, allowed);
    if (route.auth && token !== undefined) {
      token.verify(req, res, url.searchParams, route.tokenInQuery === true);
    }
    // Only now may a client that asked first (`Expect: 100-continue`) send its body.
    sendContinue(req, res);
    await serve(host, { req, res, url, id: match.id, token: requestToken });
  };

  const answer = async (
    req: IncomingMessage,
    res: ServerResponse,
    next: ((error?: unknown) => void) | undefined,
    requestToken: CancelToken,
  ): Promise<void> => {
    try {
      await handle(req, res, next, requestToken);
    } catch (error) {
      try {
        sendError(req, res, error, logger);
      } catch (failure) {
        // Answering failed too (a logger that throws, a socket already gone): drop the request.
        res.destroy(failure instanceof Error ? failure : undefined);
      }
    }
  };

  const handler = ((req, res, next) => {
    // After close(), a request still gets an answer (503 for /readyz, `shutdown` at once for a
    // stream), under a token that is already cancelled.
    if (closing !== undefined) void answer(req, res, next, CLOSED);
    else scope.spawn((requestToken) => answer(req, res, next, requestToken));
  }) as WardenHandler;

  const close = (): Promise<void> => {
    closing ??= (async () => {
      scope.cancel(CancelReason.shutdown(HANDLER_CLOSED_MESSAGE));
      await scope.close();
      if (ownsMetrics) metrics?.dispose();
    })();
    return closing;
  };

  Object.defineProperties(handler, {
    ready: { get: host.ready, enumerable: true },
    openStreams: { get: () => streams.size, enumerable: true },
    close: { value: close, enumerable: true },
  });
  return handler;
}

/** The token of a request that arrives after `close()`: cancelled already. */
const CLOSED = (() => {
  const token = new CancelToken();
  token.cancel(CancelReason.shutdown(HANDLER_CLOSED_MESSAGE));
  return token;
})();
