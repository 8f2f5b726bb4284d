/**
 * Only the developer's own tools and pages may drive the emulator.
 *
 * - `Host`: a page on another site can reach a server on 127.0.0.1 by DNS rebinding (its own
 *   name made to resolve to 127.0.0.1), but its requests still carry its own name in `Host`.
 *   Accepted: IP literals (rebinding needs a name), `localhost` and `*.localhost`, the host of
 *   the emulator's base URL (its listen address), and the names given with `--accept-host`
 *   (`*` accepts any), as dev servers' allowed-hosts options do.
 * - `Origin`: a page on another site can send "simple" cross-origin requests (a `text/plain`
 *   POST) without a CORS preflight. Browsers name the page's origin in `Origin`; a request
 *   naming another origin than the emulator's own, a loopback one or an accepted host is
 *   refused, whatever its method (a GET to a callback URL changes state too). Google's
 *   client libraries, curl and other tools send no `Origin` and are not affected.
 *
 * Refusals are 403 PERMISSION_DENIED in Google's envelope and name the flag that lifts them.
 */
import type { NextFunction, Request, Response } from 'express';
import { isLoopbackHost } from '../stubs/pattern.js';
import { ApiError, excerpt } from './api-error.js';

export const ACCEPT_HOST_FLAG = '--accept-host';
export const ACCEPT_HOSTS_ENV = 'WORKFLOWS_EMULATOR_ACCEPT_HOSTS';

export interface RequestGuardOptions {
  /** The emulator's base URL (read per request: `startEmulator` sets it once listening). */
  baseUrl: () => string;
  /** `--accept-host` entries: host names, `.example.com` / `*.example.com` for subdomains, `*` for any. */
  acceptHosts: () => readonly string[];
}

/** Lower-case host name without port, brackets or trailing dot; undefined when unparsable. */
function hostnameOf(hostHeader: string): string | undefined {
  try {
    return new URL(`http://${hostHeader}`).hostname
      .toLowerCase()
      .replace(/^\[|\]$/g, '')
      .replace(/\.$/, '');
  } catch {
    return undefined;
  }
}

function isIpLiteral(hostname: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname) || hostname.includes(':');
}

function matchesEntry(hostname: string, entry: string): boolean {
  const e = entry.trim().toLowerCase().replace(/\.$/, '');
  if (e === '') return false;
  if (e === '*') return true;
  if (e.startsWith('*.')) return hostname.endsWith(e.slice(1));
  if (e.startsWith('.')) return hostname === e.slice(1) || hostname.endsWith(e);
  return hostname === (hostnameOf(e) ?? e);
}

export function createRequestGuard(options: RequestGuardOptions) {
  const accepted = (hostname: string): boolean => {
    if (isIpLiteral(hostname) || isLoopbackHost(hostname) || hostname.endsWith('.localhost')) return true;
    const own = hostnameOf(new URL(options.baseUrl()).host);
    if (own !== undefined && hostname === own) return true;
    return options.acceptHosts().some((e) => matchesEntry(hostname, e));
  };

  return (req: Request, _res: Response, next: NextFunction): void => {
    // HTTP/1.0 tools may send no Host at all; a browser always does, so DNS rebinding cannot hide behind that.
    const hostHeader = req.headers.host;
    const hostname = hostHeader === undefined ? undefined : hostnameOf(hostHeader);
    if (hostHeader !== undefined && (hostname === undefined || !accepted(hostname))) {
      next(
        new ApiError(
          403,
          'PERMISSION_DENIED',
          `Requests addressed to host "${excerpt(hostHeader)}" are refused (a guard against DNS rebinding); ` +
            `to reach the emulator under this name, start it with ${ACCEPT_HOST_FLAG} ${excerpt(hostname ?? hostHeader)} ` +
            `(or ${ACCEPT_HOSTS_ENV}=${excerpt(hostname ?? hostHeader)})`,
        ),
      );
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !sameSiteOrigin(origin, hostHeader ?? '', accepted)) {
      const originHost = origin === 'null' ? undefined : hostnameOfOrigin(origin);
      next(
        new ApiError(
          403,
          'PERMISSION_DENIED',
          `Cross-origin request from ${excerpt(origin)} refused: only the emulator's own pages, loopback origins and accepted hosts may send requests` +
            (originHost
              ? `; to accept pages from this origin, start the emulator with ${ACCEPT_HOST_FLAG} ${excerpt(originHost)} (or ${ACCEPT_HOSTS_ENV}=${excerpt(originHost)})`
              : ''),
        ),
      );
      return;
    }
    next();
  };
}

function hostnameOfOrigin(origin: string): string | undefined {
  try {
    const u = new URL(origin);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return u.hostname
      .toLowerCase()
      .replace(/^\[|\]$/g, '')
      .replace(/\.$/, '');
  } catch {
    return undefined;
  }
}

/**
 * The page's origin is the emulator's own (same host and port as the request), or a loopback
 * or accepted host. `Origin: null` (sandboxed frames, `file:` pages) is never accepted.
 */
function sameSiteOrigin(
  origin: string,
  hostHeader: string,
  accepted: (hostname: string) => boolean,
): boolean {
  if (origin === 'null') return false;
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return false;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  if (u.host.toLowerCase() === hostHeader.toLowerCase()) return true;
  const hostname = u.hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  // IP literals are fine in Host (rebinding needs a name) but an Origin on a LAN address is
  // another machine's page: only loopback addresses count as the developer's own here.
  if (isIpLiteral(hostname)) return isLoopbackHost(hostname);
  return accepted(hostname);
}
