/**
 * The Warden API on a `node:http` server of its own, stopped in phases by the {@link Runtime}.
 *
 * @module
 */

import {
  createServer,
  type IncomingMessage,
  maxHeaderSize,
  type Server,
  type ServerResponse,
} from 'node:http';
import { type AddressInfo, isIP, isIPv4, isIPv6 } from 'node:net';
import { checkOptionKeys, type OptionKeys, optionKeys } from '../internal/option-keys.js';
import { getDefaultRuntime } from '../lifecycle/default-runtime.js';
import type { ShutdownHookRegistration } from '../lifecycle/runtime-options.js';
import { createConsoleLogger } from '../observe/logger.js';
import { validateTimeout } from '../task/internal/validate.js';
import { BadRequestError, TokenRequiredError } from './errors.js';
import { createWardenHandler, type WardenHandler } from './handler.js';
import { clientErrorAnswers } from './internal/client-error.js';
import { sendError } from './internal/error-response.js';
import { awaitContinue } from './internal/expect-continue.js';
import { parseHost } from './internal/host-check.js';
import { httpDefaults, resolveServerOptions, type WardenServerOptions } from './options.js';

/** Options for {@link WardenServer.close}. */
export interface WardenServerCloseOptions {
  /**
   * Milliseconds to wait for open connections (event streams flushing their last event, requests
   * in flight) to end; then they are cut.
   * @default 10_000
   */
  timeout?: number;
}

// Its default is `httpDefaults.closeTimeout`.
const closeOptionKeys = optionKeys(['timeout']) satisfies OptionKeys<
  keyof WardenServerCloseOptions
>;

/** A running Warden server, from {@link startWardenServer}. */
export interface WardenServer extends AsyncDisposable {
  /** Where it listens, e.g. `http://127.0.0.1:7780` (no trailing slash). */
  readonly url: string;
  /** The address it listens on. */
  readonly host: string;
  /** The port it listens on (the one picked, for `port: 0`). */
  readonly port: number;
  /** The `node:http` server. */
  readonly server: Server;
  /** The request handler it serves. */
  readonly handler: WardenHandler;
  /**
   * Stop as a runtime shutdown does: not ready, stop accepting connections, end every event
   * stream with `shutdown`, close idle keep-alive connections, and cut what is left after
   * `timeout`. Resolves once every connection has closed. Idempotent. Does not shut the
   * coordinator down (it is yours).
   */
  close(options?: WardenServerCloseOptions): Promise<void>;
}

/**
 * Serve `options.coordinator` on a `node:http` server of its own (the API of
 * {@link createWardenHandler}, on `127.0.0.1:7780` unless told otherwise), and register it with
 * the runtime so a shutdown (SIGTERM) stops it in phases:
 *
 * - `intake`: `/readyz` fails (from the shutdown's first moment) and the listener closes;
 * - `drain`: the coordinator's own hook ends its tasks, and every event stream gets its task's
 *   terminal event or `shutdown`, which ends it;
 * - `close`: streams still open get `shutdown`, idle keep-alive connections close at once (no
 *   waiting out their timeout), and whatever is left is cut when the phase's budget runs out.
 *
 * Rejects with `TokenRequiredError` (before listening) for a host beyond loopback without a
 * token, and with the listen error (`EADDRINUSE`…) if the port cannot be had.
 *
 * @example
 * ```ts
 * const coordinator = new TaskCoordinator();
 * coordinator.define('report', async (ctx) => buildReport(ctx.input, ctx.token));
 * getDefaultRuntime().install(); // SIGTERM → graceful shutdown
 * const server = await startWardenServer({ coordinator, port: 0 });
 * console.log(`dashboard: ${server.url}/`);
 * ```
 */
export async function startWardenServer(options: WardenServerOptions): Promise<WardenServer> {
  const { coordinator, host, port } = resolveServerOptions(options);
  if (options.token === undefined && !isLoopback(host)) throw new TokenRequiredError(host);
  const { coordinator: _coordinator, host: _host, port: _port, ...handlerOptions } = options;
  const handler = createWardenHandler(coordinator, {
    ...handlerOptions,
    allowedHosts: withOwnName(options.allowedHosts ?? httpDefaults.allowedHosts, host),
  });
  const runtime = options.runtime ?? getDefaultRuntime();
  const logger = options.logger ?? createConsoleLogger();

  let stopping = false;
  // The handler answers a request without Host with Warden's 400, rather than Node a bare one.
  const server = createServer({ requireHostHeader: false });
  const clientErrors = clientErrorAnswers(() => maxHeaderSize);
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    clientErrors.track(req, res);
    if (stopping) res.setHeader('Connection', 'close');
    // A keep-alive connection whose response ends during the stop is closed at once.
    res.once('close', () => {
      if (stopping) server.closeIdleConnections();
    });
    handler(req, res);
  };
  server.on('request', onRequest);
  // `Expect: 100-continue`: the handler says `100 Continue` once the request passed its checks.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    awaitContinue(req);
    onRequest(req, res);
  });
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    clientErrors.track(req, res);
    const expectation = JSON.stringify(req.headers.expect);
    sendError(req, res, new BadRequestError(`cannot meet Expect: ${expectation}`), logger);
  });
  // Parser errors (malformed requests, headers too large, too slow) in Warden's shape.
  server.on('clientError', clientErrors.listener);
  const serverClosed = new Promise<void>((resolve) => server.once('close', resolve));

  try {
    await listen(server, port, host);
  } catch (error) {
    await handler.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

  const stopAccepting = (): void => {
    if (stopping) return;
    stopping = true;
    server.close();
    logger.info(
      { url, openStreams: handler.openStreams },
      `warden http server ${url} stopped accepting connections`,
    );
  };
  const hooks: ShutdownHookRegistration[] = [];
  let closing: Promise<void> | undefined;
  const closeWithin = (signal: AbortSignal): Promise<void> => {
    closing ??= (async () => {
      for (const hook of hooks) hook.dispose();
      stopAccepting();
      const cut = (): void => server.closeAllConnections();
      if (signal.aborted) cut();
      else signal.addEventListener('abort', cut, { once: true });
      try {
        await handler.close();
        server.closeIdleConnections();
        await serverClosed;
      } finally {
        signal.removeEventListener('abort', cut);
      }
      logger.info({ url }, `warden http server ${url} closed`);
    })();
    return closing;
  };

  const name = `warden http server ${url}`;
  if (runtime !== false) {
    try {
      hooks.push(runtime.onShutdown(name, stopAccepting, { phase: 'intake' }));
      hooks.push(runtime.onShutdown(name, ({ signal }) => closeWithin(signal), { phase: 'close' }));
    } catch (error) {
      // The runtime is already shutting down: do not leave a server behind.
      await closeWithin(AbortSignal.abort());
      throw error;
    }
  }

  const close = (closeOptions: WardenServerCloseOptions = {}): Promise<void> => {
    if (closing !== undefined) return closing;
    const { timeout = httpDefaults.closeTimeout } = closeOptions;
    try {
      checkOptionKeys(closeOptions, closeOptionKeys, 'WardenServer.close');
      validateTimeout('options.timeout', timeout);
    } catch (error) {
      return Promise.reject(error);
    }
    return closeWithin(AbortSignal.timeout(timeout));
  };

  return {
    url,
    host: address.address,
    port: address.port,
    server,
    handler,
    close,
    [Symbol.asyncDispose]: () => close(),
  };
}

/** Listen; reject with the listen error (`EADDRINUSE`, `EACCES`…). */
function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port, host });
  });
}

/**
 * The allowed hosts plus the name the server was asked to listen on (an address is allowed
 * anyway), so that `host: 'warden.lan'` answers to `Host: warden.lan`.
 */
function withOwnName(allowed: readonly string[] | '*', host: string): readonly string[] | '*' {
  const name = parseHost(host);
  if (allowed === '*' || !Array.isArray(allowed) || name === undefined || name.ip) return allowed;
  if (isIP(host) !== 0 || name.port !== undefined) return allowed;
  return [...allowed, host];
}

/** Loopback only: `localhost`, `127.0.0.0/8`, `::1` (also as `::ffff:127.x.y.z`). */
function isLoopback(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const lower = bare.toLowerCase();
  if (lower === 'localhost') return true;
  if (isIPv4(lower)) return lower.startsWith('127.');
  if (isIPv6(lower)) {
    if (lower === '::1' || lower === '0:0:0:0:0:0:0:1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower)?.[1];
    return mapped?.startsWith('127.') === true;
  }
  return false;
}
