import type { ClientOptions } from 'google-gax';
import { googleAuthLibrary } from 'google-gax';
import { WorkflowConfigurationError } from './errors.js';

/** The variable other Google emulators use the convention of (`PUBSUB_EMULATOR_HOST`, ...). */
export const EMULATOR_HOST_ENV = 'WORKFLOWS_EMULATOR_HOST';

/** The emulator's default project, used when none is configured in emulator mode. */
export const EMULATOR_DEFAULT_PROJECT = 'my-project';

export interface EmulatorEndpoint {
  readonly kind: 'emulator';
  readonly protocol: 'http' | 'https';
  /** Host name or IP address, without brackets for IPv6. */
  readonly host: string;
  readonly port: number;
  /** `http://host:port`, no trailing slash. */
  readonly url: string;
}

export interface GoogleEndpoint {
  readonly kind: 'google';
}

export type Endpoint = EmulatorEndpoint | GoogleEndpoint;

/**
 * Parses an emulator address: `host:port`, `http://host:port` (with or without a trailing slash),
 * `[::1]:8787`, or `https://...`. A URL without a port gets the scheme's default port; a bare host
 * without a port is rejected, since no emulator listens on a guessable port.
 */
export function parseEmulatorHost(value: string, source = 'endpoint'): EmulatorEndpoint {
  const text = value.trim();
  if (text === '') throw new WorkflowConfigurationError(`${source} is empty`);
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
  let url: URL;
  try {
    url = new URL(hasScheme ? text : `http://${text}`);
  } catch (error) {
    throw new WorkflowConfigurationError(
      `${source} '${value}' is not a valid emulator address (expected host:port or http://host:port)`,
      { cause: error },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new WorkflowConfigurationError(`${source} '${value}' must use http or https, not ${url.protocol}`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw new WorkflowConfigurationError(
      `${source} '${value}' must be just a scheme, host and port: the client adds the /v1/... paths itself`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new WorkflowConfigurationError(`${source} '${value}' must not carry credentials`);
  }
  const protocol = url.protocol === 'https:' ? 'https' : 'http';
  if (url.port === '' && !hasScheme) {
    throw new WorkflowConfigurationError(`${source} '${value}' has no port (expected host:port)`);
  }
  const port = url.port === '' ? (protocol === 'https' ? 443 : 80) : Number(url.port);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const hostForUrl = host.includes(':') ? `[${host}]` : host;
  return { kind: 'emulator', protocol, host, port, url: `${protocol}://${hostForUrl}:${port}` };
}

/** `endpoint` option first, then `WORKFLOWS_EMULATOR_HOST`, else Google. An empty variable counts as unset. */
export function resolveEndpoint(
  endpoint: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Endpoint {
  if (endpoint !== undefined) return parseEmulatorHost(endpoint, 'endpoint option');
  const fromEnv = env[EMULATOR_HOST_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return parseEmulatorHost(fromEnv, EMULATOR_HOST_ENV);
  return { kind: 'google' };
}

/**
 * What `auth` may be: a `GoogleAuth` (has `getClient`) or any google-auth-library `AuthClient`
 * (OAuth2Client, JWT, Compute, an `ExternalAccountClient`, ...). Structural, so that a second copy
 * of google-auth-library in the user's tree still works.
 */
export type AuthLike = googleAuthLibrary.GoogleAuth | googleAuthLibrary.AuthClient;

function isGoogleAuth(auth: AuthLike): auth is googleAuthLibrary.GoogleAuth {
  return typeof (auth as { getClient?: unknown }).getClient === 'function';
}

/**
 * The options the `ExecutionsClient` is constructed with. Pure apart from creating the
 * pass-through auth client, and exported so that tests can check the production path by
 * inspection instead of contacting Google.
 *
 * - Emulator: REST transport (`fallback: true`) over the emulator's scheme, with a
 *   `PassThroughClient` so gax neither looks up credentials nor sends an Authorization header,
 *   and no traffic leaves for anything but that host.
 * - Google: nothing but the caller's auth, so gax picks its default transport (gRPC) and
 *   Application Default Credentials exactly as a production service expects.
 */
export function buildClientOptions(endpoint: Endpoint, auth?: AuthLike): ClientOptions {
  if (endpoint.kind === 'emulator') {
    return {
      apiEndpoint: endpoint.host,
      port: endpoint.port,
      protocol: endpoint.protocol,
      fallback: true,
      authClient: new googleAuthLibrary.PassThroughClient(),
    };
  }
  if (auth === undefined) return {};
  // gax takes a GoogleAuth as `auth`; a bare AuthClient is wrapped by GoogleAuth via `authClient`.
  return isGoogleAuth(auth) ? { auth } : { authClient: auth };
}
