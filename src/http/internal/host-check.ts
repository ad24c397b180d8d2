// The Host check: a request is answered only when its `Host` names this server. DNS rebinding
// (a web page whose name is made to resolve to 127.0.0.1 after it loaded) gets the browser to
// send the page's own requests here; what gives it away is the `Host` header, which still
// carries the page's name. So a name is answered only when it cannot have been rebound: an IP
// address (no name to rebind), `localhost` (browsers resolve it themselves), or a name the
// operator listed. Ports are not compared: rebinding forges the name, not the port, and a port
// mapping (a container, a proxy) changes the port a browser sees.

import type { IncomingMessage } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';
import { InvalidArgumentError } from '../../errors.js';
import { BadRequestError, HostNotAllowedError } from '../errors.js';

/** A `Host` header (or an `allowedHosts` entry), taken apart. */
export interface ParsedHost {
  /** Lower case, without a trailing dot; an IPv6 address keeps its brackets. */
  readonly name: string;
  /** The port as written, when there is one. */
  readonly port: string | undefined;
  /** Whether `name` is an IP address. */
  readonly ip: boolean;
}

/** One `allowedHosts` entry: a name, or (with a leading dot) a domain and its subdomains. */
interface HostEntry {
  /** Lower case, without a trailing dot. */
  readonly name: string;
  /** Whether subdomains of `name` match too (the entry had a leading dot). */
  readonly subdomains: boolean;
}

/** The names a handler answers to besides IP addresses and `localhost`. */
export interface HostAllowlist {
  /** `allowedHosts: '*'`: any name. */
  readonly anyName: boolean;
  /** The names listed, in order. */
  readonly entries: readonly HostEntry[];
}

/** A reg-name of RFC 3986 without percent-encoding: what browsers put in `Host`. */
const REG_NAME = /^[a-z0-9._~!$&'()*+,;=-]+$/;
const PORT = /^\d{1,5}$/;
/** What an `allowedHosts` entry may name: dot-separated DNS labels. */
const DNS_NAME = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/;

/** Parse `value` as `host[:port]`; undefined when it is not one. */
export function parseHost(value: string): ParsedHost | undefined {
  const lower = value.toLowerCase();
  let name: string;
  let rest: string;
  let ip: boolean;
  if (lower.startsWith('[')) {
    const end = lower.indexOf(']');
    if (end === -1 || !isIPv6(lower.slice(1, end))) return undefined;
    name = lower.slice(0, end + 1);
    rest = lower.slice(end + 1);
    ip = true;
  } else {
    const colon = lower.indexOf(':');
    name = colon === -1 ? lower : lower.slice(0, colon);
    rest = colon === -1 ? '' : lower.slice(colon);
    if (name.length > 1 && name.endsWith('.')) name = name.slice(0, -1);
    if (!REG_NAME.test(name)) return undefined;
    ip = isIPv4(name);
  }
  if (rest === '') return { name, port: undefined, ip };
  const port = rest.slice(1);
  if (!rest.startsWith(':') || !PORT.test(port) || Number(port) > 65_535) return undefined;
  return { name, port, ip };
}

/**
 * Check the `allowedHosts` option: `'*'`, or an array of host names, each optionally with a
 * leading dot for a domain and all its subdomains (`.example.com`). No ports: they are not
 * compared. Throws {@link InvalidArgumentError}.
 */
export function resolveAllowedHosts(value: unknown, argument: string): HostAllowlist {
  if (value === '*') return { anyName: true, entries: [] };
  const expected = "'*' or an array of host names ('warden.example.com', '.example.com')";
  if (!Array.isArray(value)) throw new InvalidArgumentError(argument, expected, value);
  const entries: HostEntry[] = [];
  value.forEach((item: unknown, index) => {
    const entry = typeof item === 'string' ? parseEntry(item) : undefined;
    if (entry === undefined) {
      throw new InvalidArgumentError(
        `${argument}[${index}]`,
        item === '*'
          ? "not '*' inside the array: pass allowedHosts: '*' to accept any host"
          : 'a host name without a port (ports are not compared), optionally with a leading dot',
        item,
      );
    }
    entries.push(entry);
  });
  return { anyName: false, entries };
}

function parseEntry(text: string): HostEntry | undefined {
  const subdomains = text.startsWith('.');
  const parsed = parseHost(subdomains ? text.slice(1) : text);
  if (parsed === undefined || parsed.port !== undefined) return undefined;
  if (!parsed.ip && !DNS_NAME.test(parsed.name)) return undefined;
  if (subdomains && parsed.ip) return undefined;
  return { name: parsed.name, subdomains };
}

/**
 * Throw unless `req` names a host this handler answers to: {@link BadRequestError} for an
 * HTTP/1.1 request without `Host` or with one that is not a host (RFC 9112 §3.2 asks for a
 * 400), {@link HostNotAllowedError} (421) for a name that is not allowed. An HTTP/1.0 request
 * without `Host` passes: every browser sends `Host`, and some load balancers' health checks
 * leave it out.
 */
export function checkHost(req: IncomingMessage, allowlist: HostAllowlist): void {
  const header = req.headers.host;
  if (header === undefined || header === '') {
    if (req.httpVersionMajor === 1 && req.httpVersionMinor === 0 && header === undefined) return;
    throw new BadRequestError('the request has no Host header');
  }
  const host = parseHost(header);
  if (host === undefined) {
    throw new BadRequestError(`the Host header ${JSON.stringify(header)} is not a host`);
  }
  if (allowlist.anyName || host.ip || host.name === 'localhost') return;
  for (const entry of allowlist.entries) {
    if (host.name === entry.name) return;
    if (entry.subdomains && host.name.endsWith(`.${entry.name}`)) return;
  }
  throw new HostNotAllowedError(header);
}
