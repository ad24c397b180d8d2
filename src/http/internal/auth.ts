// Bearer-token authentication (RFC 6750). Tokens are compared as SHA-256 digests with
// `timingSafeEqual`: both sides are always 32 bytes, so neither the comparison's time nor an
// early length mismatch tells an attacker anything about the token.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { UnauthorizedError } from '../errors.js';

/** Checks requests against one token. */
export interface TokenCheck {
  /**
   * Throw {@link UnauthorizedError} unless `req` carries the token: in `Authorization: Bearer`,
   * or (when `allowQuery`) as the `access_token` query parameter, for browsers' EventSource,
   * which cannot send headers. A wrong token also sets the `invalid_token` challenge on `res`.
   */
  verify(
    req: IncomingMessage,
    res: ServerResponse,
    query: URLSearchParams,
    allowQuery: boolean,
  ): void;
}

const BEARER = /^Bearer[ ]+(\S+)[ ]*$/i;

/** A {@link TokenCheck} for `token`. */
export function tokenCheck(token: string): TokenCheck {
  const expected = digest(token);
  return {
    verify(req, res, query, allowQuery) {
      const header = req.headers.authorization;
      let given: string | undefined;
      if (header !== undefined) {
        given = BEARER.exec(header)?.[1];
        if (given === undefined)
          throw new UnauthorizedError('the Authorization header is not "Bearer <token>"');
      } else if (allowQuery) {
        given = query.get('access_token') ?? undefined;
      }
      if (given === undefined) throw new UnauthorizedError('a bearer token is required');
      if (!timingSafeEqual(digest(given), expected)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="warden", error="invalid_token"');
        throw new UnauthorizedError('the bearer token is wrong');
      }
    },
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
