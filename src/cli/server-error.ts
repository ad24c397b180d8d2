/**
 * An error response from a Warden server, as the CLI reports it: the server's own `code` and
 * `message` (`WARDEN_ERR_UNKNOWN_TASK: …`), whatever the code is.
 *
 * @module
 */

/**
 * The server answered a request with an error (`{ "error": { "code", "message" } }`, or, from
 * something that is not a Warden server, any other non-2xx response). Not a `WardenError`: the
 * code is the server's, and may be one this client does not know.
 *
 * @example
 * ```ts
 * // $ warden cancel nope  → exit 1: "WARDEN_ERR_UNKNOWN_TASK: No task 'nope'"
 * ```
 */
export class ServerResponseError extends Error {
  /** The server's error code (`WARDEN_ERR_…`), or `HTTP_<status>` when it sent none. */
  readonly code: string;
  /** The HTTP status. */
  readonly status: number;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ServerResponseError';
    this.code = code;
    this.status = status;
  }

  /** Read the error out of a non-2xx response (its body is consumed). */
  static async from(response: Response): Promise<ServerResponseError> {
    const text = await response.text().catch(() => '');
    try {
      const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
      const { code, message } = body.error ?? {};
      if (typeof code === 'string' && typeof message === 'string') {
        return new ServerResponseError(response.status, code, message);
      }
    } catch {
      // Not JSON: not a Warden error body.
    }
    const detail = text.trim().slice(0, 200) || response.statusText || 'no body';
    return new ServerResponseError(response.status, `HTTP_${response.status}`, detail);
  }
}
