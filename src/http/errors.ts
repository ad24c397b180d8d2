/**
 * The errors of the HTTP API (exported from `warden/http`): each maps to a status and a JSON body.
 * Their codes are in the one registry, `errorCodes` (errors.ts).
 *
 * @module
 */

import { WardenError } from '../errors.js';

/**
 * An HTTP request to the Warden API was malformed: a body that is not JSON or lacks `kind`, an
 * id that is not a valid task id, a bad query parameter. Answered with status 400; `message`
 * says what was wrong.
 *
 * @example
 * ```ts
 * const res = await fetch(`${url}/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
 * (await res.json()).error.code; // 'WARDEN_ERR_BAD_REQUEST'
 * ```
 */
export class BadRequestError extends WardenError {
  constructor(problem: string) {
    super('WARDEN_ERR_BAD_REQUEST', `Bad request: ${problem}`);
  }
}

/**
 * An HTTP request body came with a content type other than `application/json`. Status 415.
 *
 * @example
 * ```ts
 * (await (await fetch(`${url}/tasks`, { method: 'POST', body: 'x' })).json()).error.code; // 'WARDEN_ERR_UNSUPPORTED_MEDIA_TYPE'
 * ```
 */
export class UnsupportedMediaTypeError extends WardenError {
  /** The content type the request declared (empty when it declared none). */
  readonly contentType: string;

  constructor(contentType: string) {
    super(
      'WARDEN_ERR_UNSUPPORTED_MEDIA_TYPE',
      `Unsupported content type ${JSON.stringify(contentType)}: send application/json`,
    );
    this.contentType = contentType;
  }
}

/**
 * An HTTP request body was larger than the server's limit. Status 413; the server stops
 * reading at the limit.
 *
 * @example
 * ```ts
 * (await (await fetch(`${url}/tasks`, hugeBody)).json()).error.code; // 'WARDEN_ERR_REQUEST_TOO_LARGE'
 * ```
 */
export class RequestTooLargeError extends WardenError {
  /** The limit, in bytes. */
  readonly limit: number;

  constructor(limit: number) {
    super('WARDEN_ERR_REQUEST_TOO_LARGE', `Request body is larger than ${limit} bytes`);
    this.limit = limit;
  }
}

/**
 * An HTTP request named a path the Warden API does not serve. Status 404.
 *
 * @example
 * ```ts
 * (await (await fetch(`${url}/nope`)).json()).error.code; // 'WARDEN_ERR_ROUTE_NOT_FOUND'
 * ```
 */
export class RouteNotFoundError extends WardenError {
  constructor(method: string, path: string) {
    super('WARDEN_ERR_ROUTE_NOT_FOUND', `No route for ${method} ${path}`);
  }
}

/**
 * An HTTP request used a method its path does not accept. Status 405, with an `Allow` header.
 *
 * @example
 * ```ts
 * (await (await fetch(`${url}/tasks`, { method: 'DELETE' })).json()).error.code; // 'WARDEN_ERR_METHOD_NOT_ALLOWED'
 * ```
 */
export class MethodNotAllowedError extends WardenError {
  /** The methods the path accepts. */
  readonly allowed: readonly string[];

  constructor(method: string, path: string, allowed: readonly string[]) {
    super(
      'WARDEN_ERR_METHOD_NOT_ALLOWED',
      `${path} does not accept ${method}; it accepts ${allowed.join(', ')}`,
    );
    this.allowed = allowed;
  }
}

/**
 * An HTTP request to a server that requires a bearer token had none, or a wrong one. Status
 * 401, with a `WWW-Authenticate: Bearer` header. The probes (`/healthz`, `/readyz`) never ask.
 *
 * @example
 * ```ts
 * (await (await fetch(`${url}/tasks`)).json()).error.code; // 'WARDEN_ERR_UNAUTHORIZED'
 * ```
 */
export class UnauthorizedError extends WardenError {
  constructor(problem: string) {
    super('WARDEN_ERR_UNAUTHORIZED', `Unauthorized: ${problem}`);
  }
}

/**
 * A Warden server was configured to listen on an address other than loopback (`127.0.0.1`,
 * `::1`, `localhost`) without a bearer token. Thrown before anything listens.
 *
 * @example
 * ```ts
 * await startWardenServer({ coordinator, host: '0.0.0.0' }).catch((e) => e.code); // 'WARDEN_ERR_TOKEN_REQUIRED'
 * ```
 */
export class TokenRequiredError extends WardenError {
  /** The address asked for. */
  readonly host: string;

  constructor(host: string) {
    super(
      'WARDEN_ERR_TOKEN_REQUIRED',
      `Listening on ${host} exposes the API beyond this machine: give a bearer token (token option, --token or WARDEN_TOKEN)`,
    );
    this.host = host;
  }
}

/**
 * An HTTP request hit an error the Warden API did not expect (a bug, a failing dependency
 * without its own code). Status 500; the response says only this, the server's log has the
 * error with its stack.
 *
 * @example
 * ```ts
 * (await res.json()).error.code; // 'WARDEN_ERR_INTERNAL' (with status 500)
 * ```
 */
export class InternalServerError extends WardenError {
  constructor(cause?: unknown) {
    super('WARDEN_ERR_INTERNAL', 'Internal server error; the server logged the details', { cause });
  }
}

/**
 * An HTTP request's `Host` header named a host the Warden server does not answer to: not an IP
 * address, not `localhost`, not the server's own `host` and not in `allowedHosts`. Status 421
 * (Misdirected Request). This is what stops DNS rebinding: a web page whose name was rebound to
 * this machine's address still sends its own name as `Host`.
 *
 * @example
 * ```ts
 * // GET /tasks with "Host: rebound.example:7780" → 421
 * (await res.json()).error.code; // 'WARDEN_ERR_HOST_NOT_ALLOWED'
 * ```
 */
export class HostNotAllowedError extends WardenError {
  /** The `Host` header as the request sent it. */
  readonly host: string;

  constructor(host: string) {
    super(
      'WARDEN_ERR_HOST_NOT_ALLOWED',
      `Host ${JSON.stringify(host)} is not a name this server answers to: add it to allowedHosts (--allowed-host)`,
    );
    this.host = host;
  }
}

/**
 * A browser request from a page of another origin that the server does not trust: its `Origin`
 * is not the server's own (nor one of the `cors` origins), or its `Sec-Fetch-Site` says
 * `cross-site` or `same-site`. Status 403. State-changing requests are always checked; reads
 * are too, except a top-level navigation (a link followed to the dashboard).
 *
 * @example
 * ```ts
 * // POST /tasks/x/cancel with "Origin: https://elsewhere.example" → 403
 * (await res.json()).error.code; // 'WARDEN_ERR_CROSS_SITE_REQUEST'
 * ```
 */
export class CrossSiteRequestError extends WardenError {
  constructor(problem: string) {
    super('WARDEN_ERR_CROSS_SITE_REQUEST', `Cross-site request refused: ${problem}`);
  }
}

/**
 * An HTTP request's header section was larger than the server accepts (Node's
 * `maxHeaderSize`, 16 KiB by default). Status 431; the connection is closed.
 *
 * @example
 * ```ts
 * // a request with a 20 KiB cookie → 431
 * (await res.json()).error.code; // 'WARDEN_ERR_HEADERS_TOO_LARGE'
 * ```
 */
export class HeadersTooLargeError extends WardenError {
  /** The limit, in bytes. */
  readonly limit: number;

  constructor(limit: number) {
    super('WARDEN_ERR_HEADERS_TOO_LARGE', `Request headers are larger than ${limit} bytes`);
    this.limit = limit;
  }
}

/**
 * An HTTP request did not arrive in full within the server's limits (Node's `headersTimeout`
 * for the headers, `requestTimeout` for the whole request): a client that sends a byte now and
 * then to hold a connection open. Status 408; the connection is closed.
 *
 * @example
 * ```ts
 * // headers trickled in for longer than headersTimeout → 408
 * (await res.json()).error.code; // 'WARDEN_ERR_REQUEST_TIMEOUT'
 * ```
 */
export class RequestTimeoutError extends WardenError {
  constructor() {
    super(
      'WARDEN_ERR_REQUEST_TIMEOUT',
      'The request did not arrive in full within the time the server allows',
    );
  }
}
