/** `env.stubs`: one environment's stubs, its log of calls, and the calls no stub answered. */
import type { StubRegistry } from '@workflows-kit/emulator';
import type { RecordedRequest, StubInfo } from '@workflows-kit/emulator/seams';
import { HttpStub, type Stub } from './http-stubs.js';
import type { UnhandledRequest } from './unhandled.js';
import { globMatch, UrlPatternMatcher } from './url-pattern.js';

/** One outbound call the emulator made (answered by a stub, or bypassed to the network). */
export interface RecordedCall {
  readonly kind: 'http' | 'connector';
  readonly method: string | null;
  readonly url: string | null;
  readonly connector: string | null;
  /** Header names in canonical MIME case. */
  readonly headers: Readonly<Record<string, string>>;
  /** Decoded body (JSON value, text, base64 for binary), or the connector's args. */
  readonly body: unknown;
  readonly query: Readonly<Record<string, string | string[]>>;
  /** The response status, when there was one. */
  readonly status: number | null;
  /**
   * `stub`, `fault` (HttpResponse.error), `network` (bypassed or recorded), `replay` (from the
   * recording) or `mocked` (a step mock answered: no call was made).
   */
  readonly outcome: RecordedRequest['outcome'];
  /** The step mock that answered, for `mocked` calls. */
  readonly stepMockId?: string;
  /** Failure text for faults and network errors. */
  readonly error: string | null;
  readonly executionId: string;
  readonly workflowId: string;
  readonly routine: string;
  readonly step: string;
  /** Virtual time of the call. */
  readonly time: Date;
}

interface UnhandledEntry {
  request: UnhandledRequest;
  reported: boolean;
}

function queryOf(url: string | null): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (url === null) return out;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return out;
  }
  for (const [k, v] of parsed.searchParams) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

export class EnvironmentStubs {
  private readonly ids = new Map<Stub, string>();
  private readonly unhandledLog: UnhandledEntry[] = [];

  /** @internal */
  constructor(
    private readonly registry: StubRegistry,
    private readonly initial: readonly Stub[],
  ) {
    this.register(initial);
  }

  /**
   * Registers stubs. Like msw's `use()`, they take precedence over those registered before,
   * and the first argument over the later ones; a stub whose `times` are used up stops matching.
   */
  use(...stubs: Stub[]): void {
    this.register(stubs);
  }

  /**
   * Removes every stub added with `use()`, clears the call log and the unhandled calls, and
   * registers the environment's initial `handlers` again (or `next`, if given, like msw's
   * `resetHandlers(...next)`).
   */
  reset(...next: Stub[]): void {
    this.registry.reset();
    this.ids.clear();
    this.unhandledLog.length = 0;
    this.register(next.length > 0 ? next : this.initial);
  }

  /**
   * The calls made so far, oldest first: all of them, those a stub answered (pass the stub),
   * those to a URL (an exact URL or a pattern as in `http.get()`, query ignored) or those of a
   * connector (its name, `*` allowed). Calls that matched no stub are in `unhandled()` instead.
   */
  calls(filter?: string | Stub): RecordedCall[] {
    // Values as sent: a test may check the credentials a workflow sends (they are test values);
    // the emulator's request log API redacts them.
    const all = this.registry.requests({ redact: false }).filter((r) => r.outcome !== 'blocked');
    let selected = all;
    if (filter instanceof Object && 'kind' in filter) {
      const id = this.ids.get(filter);
      selected = id === undefined ? [] : all.filter((r) => r.stubId === id);
    } else if (typeof filter === 'string') {
      if (filter.includes('://') || filter.startsWith('/') || filter === '*') {
        const pattern = new UrlPatternMatcher(filter.split('?', 1)[0] as string);
        selected = all.filter((r) => r.url !== null && pattern.match(r.url) !== undefined);
      } else {
        selected = all.filter((r) => r.connector !== null && globMatch(filter, r.connector));
      }
    }
    return selected.map((r) => ({
      kind: r.kind,
      method: r.method,
      url: r.url,
      connector: r.connector,
      headers: r.headers,
      body: r.body,
      query: queryOf(r.url),
      status: r.status,
      outcome: r.outcome,
      ...(r.stepMockId !== undefined && { stepMockId: r.stepMockId }),
      error: r.error,
      executionId: r.executionId,
      workflowId: r.workflowId,
      routine: r.routine,
      step: r.step,
      time: new Date(r.time),
    }));
  }

  /** Stubs registered in this environment that have not answered any call. */
  unused(): Stub[] {
    const byId = new Map(this.registry.list().map((s) => [s.id, s]));
    return [...this.ids].filter(([, id]) => (byId.get(id)?.calls ?? 0) === 0).map(([stub]) => stub);
  }

  /** The stubs as the emulator lists them (newest last), with their call counts. */
  list(): StubInfo[] {
    return this.registry.list();
  }

  /**
   * The calls no stub answered since the last `reset()`. Looking at them counts as handling
   * them: they no longer make `waitForExecution` or `teardown` throw.
   */
  unhandled(): UnhandledRequest[] {
    for (const e of this.unhandledLog) e.reported = true;
    return this.unhandledLog.map((e) => e.request);
  }

  /** @internal */
  addUnhandled(request: UnhandledRequest, reported: boolean): void {
    this.unhandledLog.push({ request, reported });
  }

  /** @internal Unreported unhandled calls (of one execution, if given); marks them reported. */
  takeUnreported(executionId?: string): UnhandledRequest[] {
    const out: UnhandledRequest[] = [];
    for (const e of this.unhandledLog) {
      if (e.reported || (executionId !== undefined && e.request.origin.executionId !== executionId)) continue;
      e.reported = true;
      out.push(e.request);
    }
    return out;
  }

  private register(stubs: readonly Stub[]): void {
    // The registry answers with the newest stub first; registering in reverse makes the first
    // argument the newest, as in msw.
    for (const stub of [...stubs].reverse()) {
      if (!(stub instanceof HttpStub) && stub.kind !== 'connector') {
        throw new TypeError('env.stubs.use() takes stubs made by http.get/post/... or connector()');
      }
      const previous = this.ids.get(stub);
      if (previous !== undefined) this.registry.remove(previous);
      stub.clearCalls();
      const info = this.registry.addHandler(stub.toProgrammatic());
      this.ids.set(stub, info.id);
    }
  }
}
