// `Expect: 100-continue`: a client that asks before it sends its body. Node answers `100
// Continue` by itself unless the server handles `checkContinue`; `startWardenServer` does, and
// marks the request, so that the handler says `100 Continue` only once the request has passed
// every check that needs no body (Host, origin, route, method, bearer token). A refused client
// never sends its body: it gets the error, and the connection closes.

import type { IncomingMessage, ServerResponse } from 'node:http';

const pending = new WeakSet<IncomingMessage>();

/** Mark `req` as waiting for `100 Continue` (from the server's `checkContinue` listener). */
export function awaitContinue(req: IncomingMessage): void {
  pending.add(req);
}

/** Send `100 Continue` if `req` is waiting for it (once). */
export function sendContinue(req: IncomingMessage, res: ServerResponse): void {
  if (!pending.delete(req)) return;
  res.writeContinue();
}
