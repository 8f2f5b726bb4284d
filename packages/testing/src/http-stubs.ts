/**
 * Stubs in msw's shape: `http.post(url, resolver, options)` and `connector(name, resolver)`
 * describe a stub; `env.stubs.use()` registers it in one environment's emulator.
 *
 * A stub is plain data plus a resolver, so one defined at the top of a test file can be
 * registered in several environments. It remembers the calls it answered since it was last
 * registered (`stub.calls`), which is what `expect(stub).toHaveBeenCalledTimes(n)` reads.
 */
import type { StubRequest, StubResponse } from '@workflows-kit/emulator';
import type { CallOrigin, ProgrammaticStub } from '@workflows-kit/emulator/seams';
import { HttpResponse } from './http-response.js';
import { UrlPatternMatcher } from './url-pattern.js';

type HttpStubRequest = Extract<StubRequest, { kind: 'http' }>;
type ConnectorStubRequest = Extract<StubRequest, { kind: 'connector' }>;

/** What an HTTP resolver receives. */
export interface HttpResolverInfo {
  /** The call as a Fetch `Request` (built on first access), for code written against msw. */
  readonly request: Request;
  readonly method: string;
  readonly url: string;
  /** Header names in canonical MIME case (`Content-Type`). */
  readonly headers: Readonly<Record<string, string>>;
  /** The decoded body: a JSON value under a JSON content type, else text (base64 for binary); null when empty. */
  readonly body: unknown;
  /** `:name` segments of the URL pattern. */
  readonly params: Readonly<Record<string, string>>;
  /** Query parameters; a repeated one gives an array. */
  readonly query: Readonly<Record<string, string | string[]>>;
  /** 1 for the first call this stub answers, then 2, ... */
  readonly callNumber: number;
  /** Which execution and step made the call. */
  readonly origin: CallOrigin;
}

/** What a connector resolver receives. */
export interface ConnectorResolverInfo {
  /** The connector call, e.g. `googleapis.firestore.v1.projects.databases.documents.get`. */
  readonly name: string;
  /** The call's `args`, as plain JSON. */
  readonly args: unknown;
  readonly callNumber: number;
  readonly origin: CallOrigin;
}

type MaybePromise<T> = T | Promise<T>;

/** Returns the response, or a plain value that is sent as JSON with status 200. */
export type HttpResolver = (info: HttpResolverInfo) => MaybePromise<HttpResponse | unknown>;
/**
 * Returns the connector's result (any JSON value), or an `HttpResponse`: a status >= 400
 * fails the call with an HttpError carrying that body, `HttpResponse.error()` a network error.
 */
export type ConnectorResolver = (info: ConnectorResolverInfo) => MaybePromise<HttpResponse | unknown>;

export interface StubOptions<TInfo> {
  /** Answer this many calls, then stop matching (older stubs for the same URL take over). */
  times?: number;
  /** Shorthand for `times: 1`. */
  once?: boolean;
  /** Only calls for which this returns true match (e.g. a check on the body). */
  match?: (info: Omit<TInfo, 'callNumber'>) => MaybePromise<boolean>;
}

/** One call a stub answered. */
export interface StubCall {
  readonly method: string | null;
  readonly url: string | null;
  readonly connector: string | null;
  readonly headers: Readonly<Record<string, string>>;
  /** Decoded body (HTTP) or args (connector). */
  readonly body: unknown;
  readonly query: Readonly<Record<string, string | string[]>>;
  readonly params: Readonly<Record<string, string>>;
  readonly callNumber: number;
  readonly origin: CallOrigin;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

/** Anything `env.stubs.use()` accepts. */
export type Stub = HttpStub | ConnectorStub;

abstract class BaseStub {
  readonly times: number | undefined;
  readonly #calls: StubCall[] = [];

  constructor(times: number | undefined) {
    if (times !== undefined && (!Number.isInteger(times) || times < 1)) {
      throw new RangeError(`times must be a whole number >= 1, got ${times}`);
    }
    this.times = times;
  }

  /** How the stub is shown in messages: `POST https://api.example.com/payments`. */
  abstract readonly description: string;

  /** The calls this stub answered since it was last registered. */
  get calls(): readonly StubCall[] {
    return this.#calls;
  }

  /** @internal */
  protected recordCall(call: StubCall): void {
    this.#calls.push(call);
  }

  /** @internal Forgets the calls (the stub is being registered afresh). */
  clearCalls(): void {
    this.#calls.length = 0;
  }

  /** @internal The emulator's programmatic stub. */
  abstract toProgrammatic(): ProgrammaticStub;
}

function toStubResponse(value: unknown, what: string): StubResponse {
  if (value instanceof HttpResponse) return value.toStubResponse();
  if (value === undefined) {
    throw new TypeError(
      `${what} returned nothing: return an HttpResponse (e.g. HttpResponse.json({...})) or a JSON value`,
    );
  }
  return { status: 200, body: value };
}

export class HttpStub extends BaseStub {
  readonly kind = 'http' as const;
  /** Upper case, or `*` for `http.all`. */
  readonly method: HttpMethod | '*';
  readonly url: string;
  readonly #pattern: UrlPatternMatcher;
  readonly #resolver: HttpResolver;
  readonly #match: StubOptions<HttpResolverInfo>['match'];

  constructor(
    method: HttpMethod | '*',
    url: string,
    resolver: HttpResolver | HttpResponse,
    options: StubOptions<HttpResolverInfo> = {},
  ) {
    super(options.times ?? (options.once ? 1 : undefined));
    this.method = method;
    this.url = url;
    this.#pattern = new UrlPatternMatcher(url);
    this.#resolver = typeof resolver === 'function' ? resolver : () => resolver;
    this.#match = options.match;
  }

  get description(): string {
    return `${this.method === '*' ? 'ALL' : this.method} ${this.url}`;
  }

  /** The path parameters when `url` matches this stub's pattern (the query is ignored). */
  matchUrl(url: string): Record<string, string> | undefined {
    return this.#pattern.match(url);
  }

  toProgrammatic(): ProgrammaticStub {
    const pattern = this.#pattern;
    const userMatch = this.#match;
    return {
      method: this.method,
      // The registry's own patterns are case-sensitive `*` globs; msw's rules (case, trailing
      // slash, optional parameters) are applied by `match`.
      url: '*',
      ...(this.times !== undefined && { times: this.times }),
      description: this.description,
      match: async (request: StubRequest) => {
        if (request.kind !== 'http') return false;
        const params = pattern.match(request.url);
        if (!params) return false;
        return userMatch ? Boolean(await userMatch(httpInfo(request, params, 0))) : true;
      },
      resolve: async (request, callNumber) => {
        if (request.kind !== 'http') throw new TypeError('an HTTP stub was asked to answer a connector call');
        const params = pattern.match(request.url) ?? {};
        const info = httpInfo(request, params, callNumber);
        this.recordCall({
          method: request.method,
          url: request.url,
          connector: null,
          headers: request.headers,
          body: request.body,
          query: request.query,
          params,
          callNumber,
          origin: request.origin,
        });
        return toStubResponse(await this.#resolver(info), `the resolver of ${this.description}`);
      },
    };
  }
}

export class ConnectorStub extends BaseStub {
  readonly kind = 'connector' as const;
  /** Connector call name; `*` matches any run of characters. */
  readonly connector: string;
  readonly #resolver: ConnectorResolver;
  readonly #match: StubOptions<ConnectorResolverInfo>['match'];

  constructor(
    connector: string,
    resolver: ConnectorResolver | HttpResponse | unknown,
    options: StubOptions<ConnectorResolverInfo> = {},
  ) {
    super(options.times ?? (options.once ? 1 : undefined));
    this.connector = connector;
    this.#resolver = typeof resolver === 'function' ? (resolver as ConnectorResolver) : () => resolver;
    this.#match = options.match;
  }

  get description(): string {
    return `connector ${this.connector}`;
  }

  toProgrammatic(): ProgrammaticStub {
    const userMatch = this.#match;
    return {
      connector: this.connector,
      ...(this.times !== undefined && { times: this.times }),
      description: this.description,
      ...(userMatch && {
        match: async (request: StubRequest) =>
          request.kind === 'connector' && Boolean(await userMatch(connectorInfo(request, 0))),
      }),
      resolve: async (request, callNumber) => {
        if (request.kind !== 'connector')
          throw new TypeError('a connector stub was asked to answer an HTTP call');
        this.recordCall({
          method: null,
          url: null,
          connector: request.name,
          headers: {},
          body: request.args,
          query: {},
          params: {},
          callNumber,
          origin: request.origin,
        });
        const value = await this.#resolver(connectorInfo(request, callNumber));
        // A connector may legitimately return nothing (a delete): that is a null result.
        return value === undefined ? { status: 200, body: null } : toStubResponse(value, this.description);
      },
    };
  }
}

function httpInfo(
  request: HttpStubRequest,
  params: Record<string, string>,
  callNumber: number,
): HttpResolverInfo {
  let built: Request | undefined;
  return {
    get request() {
      built ??= toFetchRequest(request);
      return built;
    },
    method: request.method,
    url: request.url,
    headers: request.headers,
    body: request.body,
    params,
    query: request.query,
    callNumber,
    origin: request.origin,
  };
}

function connectorInfo(request: ConnectorStubRequest, callNumber: number): ConnectorResolverInfo {
  return { name: request.name, args: request.args, callNumber, origin: request.origin };
}

function toFetchRequest(request: HttpStubRequest): Request {
  const method = request.method;
  const body = method === 'GET' || method === 'HEAD' ? undefined : request.rawBody;
  const headers = new Headers();
  // A header value a workflow may send but Fetch rejects is left out rather than failing the call.
  for (const [k, v] of Object.entries(request.headers)) {
    try {
      headers.set(k, v);
    } catch {
      /* ignored */
    }
  }
  return new Request(request.url, { method, headers, ...(body && { body }) });
}

type HttpFactory = (
  url: string,
  resolver: HttpResolver | HttpResponse,
  options?: StubOptions<HttpResolverInfo>,
) => HttpStub;

const factory =
  (method: HttpMethod | '*'): HttpFactory =>
  (url, resolver, options) =>
    new HttpStub(method, url, resolver, options);

/**
 * HTTP stubs by method. `url` is an absolute URL or a path, with `*` wildcards and `:name`
 * segments (`https://api.example.com/orders/:id`); the query is not part of the pattern.
 */
export const http = {
  get: factory('GET'),
  post: factory('POST'),
  put: factory('PUT'),
  patch: factory('PATCH'),
  delete: factory('DELETE'),
  head: factory('HEAD'),
  options: factory('OPTIONS'),
  /** Any method. */
  all: factory('*'),
} as const;

/**
 * A stub for a `googleapis.*` connector call (`*` wildcards allowed). `resolver` is a function
 * of the call, or the result itself.
 */
export function connector(
  name: string,
  resolver?: ConnectorResolver,
  options?: StubOptions<ConnectorResolverInfo>,
): ConnectorStub;
export function connector(
  name: string,
  result: unknown,
  options?: StubOptions<ConnectorResolverInfo>,
): ConnectorStub;
export function connector(
  name: string,
  resolver: unknown = null,
  options?: StubOptions<ConnectorResolverInfo>,
): ConnectorStub {
  return new ConnectorStub(name, resolver, options);
}
