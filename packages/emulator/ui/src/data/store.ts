/**
 * The UI's data layer.
 *
 * - Resources: one cached resource per URL, each a set of signals the pages render from. A page
 *   asks for a resource when it mounts (the cached value shown meanwhile). A reload asked for while
 *   one is in flight runs once more after it, so the last answer is never older than the last ask.
 * - Live events: each page opens one EventSource on `GET /emulator/v1/events` (`useLiveEvents`),
 *   and the handlers registered per event type (`onLiveEvent`) apply what they say to the
 *   resources: in place where the event carries the new state, by a reload where it does not.
 *   When the stream (re)opens, every resource in view fetched before that moment is fetched
 *   again, so nothing that happened while it was closed is missed. On `overflow` (the page did
 *   not read fast enough) the stream is reopened at once. Nothing polls.
 *
 * Event types are a registry: `onLiveEvent('stepEntry', …)` is all a new type needs (and its
 * name in `LiveEventType` and the `types` of the pages that want it).
 */
import { signal, type Signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import {
  get,
  type DeployProblem,
  type Execution,
  type LogEntry,
  type RecordedRequest,
  type StepEntry,
} from './api.js';

// ---------------------------------------------------------------------------------- resources

export interface Resource<T> {
  readonly url: string;
  readonly data: Signal<T | undefined>;
  readonly error: Signal<Error | undefined>;
  readonly loading: Signal<boolean>;
  /** Fetches again; asks made while a fetch is in flight are served by one more fetch after it. */
  reload(): Promise<void>;
  /**
   * Sets the data from a live event. An answer in flight may be older than the event: it is
   * dropped, and the resource fetched once more.
   */
  set(value: T): void;
  /** When the last fetch started (a tick of `clock`). */
  readonly startedAt: number;
}

/** Orders fetch starts and stream openings. */
let clock = 0;

const cache = new Map<string, Resource<unknown>>();
/** How many mounted components use each URL: `invalidate` reloads only those in view. */
const inUse = new Map<string, number>();

export function resource<T>(url: string): Resource<T> {
  let r = cache.get(url) as Resource<T> | undefined;
  if (r) return r;
  let pending: Promise<void> | undefined;
  let again = false;
  /** An event set the data while a fetch was in flight. */
  let overtaken = false;
  const fetchOnce = async (): Promise<void> => {
    res.startedAt = ++clock;
    res.loading.value = true;
    overtaken = false;
    try {
      const value = await get<T>(url);
      if (!overtaken) {
        res.data.value = value;
        res.error.value = undefined;
      }
    } catch (err) {
      if (!overtaken) res.error.value = err as Error;
    } finally {
      res.loading.value = false;
    }
  };
  const res: Resource<T> & { startedAt: number } = {
    url,
    data: signal<T | undefined>(undefined),
    error: signal<Error | undefined>(undefined),
    loading: signal(false),
    startedAt: 0,
    reload() {
      if (pending) {
        again = true;
        return pending;
      }
      pending = (async () => {
        do {
          again = false;
          await fetchOnce();
        } while (again);
        pending = undefined;
      })();
      return pending;
    },
    set(value) {
      res.data.value = value;
      if (pending) {
        overtaken = true;
        again = true;
      }
    },
  };
  r = res;
  cache.set(url, r);
  return r;
}

/** The resource at `url` (none for null), loaded when the component mounts or the URL changes. */
export function useResource<T>(url: string | null): Resource<T> | undefined {
  const r = url === null ? undefined : resource<T>(url);
  useEffect(() => {
    if (!r) return;
    inUse.set(r.url, (inUse.get(r.url) ?? 0) + 1);
    void r.reload();
    return () => {
      const n = (inUse.get(r.url) ?? 1) - 1;
      if (n <= 0) inUse.delete(r.url);
      else inUse.set(r.url, n);
    };
  }, [url]);
  return r;
}

/** The cached resources whose URL starts with `prefix` (loaded or not). */
function cachedUnder<T>(prefix: string): Resource<T>[] {
  const out: Resource<T>[] = [];
  for (const [url, r] of cache) if (url.startsWith(prefix)) out.push(r as Resource<T>);
  return out;
}

/**
 * Reloads the resources in view whose URL starts with one of the prefixes; the others reload
 * when shown (every mount reloads). Nothing leaves the cache: a component may hold a resource
 * between its render and its effect, and must keep getting that same object.
 */
export function invalidate(...prefixes: string[]): void {
  for (const [url, r] of cache) {
    if (inUse.has(url) && prefixes.some((p) => url.startsWith(p))) void r.reload();
  }
}

/** Reloads every resource in view that was fetched before `tick` (a stream opened then). */
function refetchFetchedBefore(tick: number): void {
  for (const [url, r] of cache) {
    if (inUse.has(url) && r.startedAt < tick) void r.reload();
  }
}

// -------------------------------------------------------------------------------- live events

/** A workflow created, updated or deleted (`event: workflow`). */
export interface WorkflowEvent {
  change: 'created' | 'updated' | 'deleted';
  name: string;
  location: string;
  workflowId: string;
  revisionId: string;
  sourceFile?: string;
}

/** A watched file failed to deploy, or deployed again (`cleared`). */
export interface DeployProblemEvent extends Omit<DeployProblem, 'problems'> {
  problems: DeployProblem['problems'];
  line?: number;
  column?: number;
  message?: string;
  cleared: boolean;
}

/** What each event type of the stream carries. */
export interface LiveEvents {
  execution: Execution;
  workflow: WorkflowEvent;
  deployProblem: DeployProblemEvent;
  request: RecordedRequest;
  /** A log entry was written (`sys.log`, a call log, an execution's start or end). */
  log: LogEntry;
  /** A step entry was created or changed (basic view); sent only to streams that ask for it. */
  stepEntry: StepEntry;
}

export type LiveEventType = keyof LiveEvents;

type Handler<K extends LiveEventType> = (data: LiveEvents[K]) => void;
const handlers = new Map<LiveEventType, Set<Handler<never>>>();

/** Runs `handler` for every event of `type` the open stream delivers; returns the function that stops it. */
export function onLiveEvent<K extends LiveEventType>(type: K, handler: Handler<K>): () => void {
  let set = handlers.get(type);
  if (!set) handlers.set(type, (set = new Set()));
  set.add(handler);
  return () => set.delete(handler);
}

const openHandlers = new Set<() => void>();

/** Runs `handler` each time the page's stream opens (data kept outside resources is fetched again then). */
export function onStreamOpen(handler: () => void): () => void {
  openHandlers.add(handler);
  return () => openHandlers.delete(handler);
}

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'off';

/** The state of the page's event stream, for the indicator in the top bar. */
export const liveState = signal<LiveState>('connecting');
/** Why the stream is off (the emulator refused it). */
export const liveProblem = signal<string | undefined>(undefined);

export interface LiveSpec {
  /** Only this execution's events (its resource name). */
  execution?: string | undefined;
  /** The event types the page shows. */
  types: readonly LiveEventType[];
}

/** What the pages other than an execution's follow: everything. */
export const PAGE_EVENTS: LiveSpec = { types: ['execution', 'workflow', 'deployProblem', 'request'] };

interface Connection {
  url: string;
  types: readonly LiveEventType[];
  holders: number;
  source: EventSource | undefined;
}

let connection: Connection | undefined;

function streamUrl(spec: LiveSpec): string {
  const q = new URLSearchParams();
  if (spec.execution) q.set('execution', spec.execution);
  q.set('types', [...spec.types].sort().join(','));
  return `/emulator/v1/events?${q.toString()}`;
}

function open(conn: Connection): void {
  conn.source?.close();
  const source = new EventSource(conn.url);
  conn.source = source;
  liveState.value = liveState.value === 'live' ? 'reconnecting' : liveState.value;
  source.onopen = () => {
    if (connection !== conn || conn.source !== source) return;
    liveState.value = 'live';
    liveProblem.value = undefined;
    refetchFetchedBefore(++clock);
    for (const h of openHandlers) h();
  };
  source.onerror = () => {
    if (connection !== conn || conn.source !== source) return;
    if (source.readyState === EventSource.CLOSED) {
      // Refused (not a network failure, which the browser retries by itself).
      liveState.value = 'off';
      liveProblem.value = 'The emulator refused the live event stream.';
    } else {
      liveState.value = 'reconnecting';
    }
  };
  source.addEventListener('overflow', () => {
    // The stream ends after this: open a new one now (its opening fetches what was missed).
    if (connection === conn && conn.source === source) open(conn);
  });
  for (const type of conn.types) {
    source.addEventListener(type, (e) => dispatch(type, (e as MessageEvent<string>).data));
  }
}

function dispatch(type: LiveEventType, text: string): void {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return;
  }
  for (const h of handlers.get(type) ?? []) {
    try {
      (h as Handler<typeof type>)(data as LiveEvents[typeof type]);
    } catch (err) {
      console.error(`live ${type} event handler failed`, err);
    }
  }
}

/** Opens the stream again after it was refused (the indicator's button). */
export function reconnectLive(): void {
  if (!connection) return;
  liveState.value = 'connecting';
  open(connection);
}

/**
 * The page's live event stream: one EventSource per page. Components of one page that ask for
 * the same stream share it; a page that asks for another one replaces it.
 */
export function useLiveEvents(spec: LiveSpec | null): void {
  const url = spec ? streamUrl(spec) : null;
  useEffect(() => {
    if (url === null || spec === null) return;
    if (connection?.url === url) {
      connection.holders++;
    } else {
      connection?.source?.close();
      connection = { url, types: [...spec.types], holders: 1, source: undefined };
      liveState.value = 'connecting';
      open(connection);
    }
    const mine = connection;
    return () => {
      if (connection !== mine) return;
      if (--mine.holders > 0) return;
      mine.source?.close();
      connection = undefined;
    };
  }, [url]);
}

// ------------------------------------------------------------------------- applying changes

/** Lists of executions: those in view that hold it are updated in place, the others reload. */
interface ExecutionList {
  executions: Execution[];
  nextPageToken?: string;
}

const knownStates = new Map<string, string>();

/** An execution changed (created, progressed, cancelled, finished): its page and the lists that show it. */
export function applyExecution(execution: Execution): void {
  const own = cache.get(`/v1/${execution.name}`) as Resource<Execution> | undefined;
  if (own) own.set(execution);
  const before = knownStates.get(execution.name);
  knownStates.set(execution.name, execution.state);
  const stateChanged = before !== execution.state;

  for (const list of cachedUnder<ExecutionList>('/emulator/v1/executions')) {
    const data = list.data.value;
    const at = data?.executions.findIndex((e) => e.name === execution.name) ?? -1;
    if (!data || at < 0) {
      // Perhaps new to this list (its filter and order are the server's to apply).
      if (stateChanged) invalidate(list.url);
      continue;
    }
    const wanted = new URL(list.url, 'http://x').searchParams.get('state');
    if (wanted && wanted !== execution.state) {
      list.set({ ...data, executions: data.executions.filter((_, i) => i !== at) });
    } else {
      const executions = [...data.executions];
      executions[at] = { ...executions[at], ...execution };
      list.set({ ...data, executions });
    }
  }
  if (stateChanged) {
    // Executions counted by state.
    invalidate('/emulator/v1/workflows');
    const workflow = execution.name.replace(/\/executions\/[^/]+$/, '');
    invalidate(`/v1/${workflow}/executions`);
  }
  // Callbacks appear as it runs; its step entries are reloaded by the step history (steps.ts).
  invalidate(`/v1/${execution.name}/callbacks`);
}

/** A request-log record, as the request lists in view would show it. */
function passes(url: string, r: RecordedRequest): boolean {
  const q = new URL(url, 'http://x').searchParams;
  for (const k of ['executionId', 'workflowId', 'stubId', 'kind', 'outcome'] as const) {
    const want = q.get(k);
    if (want !== null && r[k] !== want) return false;
  }
  return true;
}

/** The request log keeps this many calls (the emulator's default). */
const MAX_REQUESTS = 1000;

export function applyRequest(r: RecordedRequest): void {
  for (const list of cachedUnder<{ requests: RecordedRequest[] }>('/emulator/v1/requests')) {
    const data = list.data.value;
    if (!data || !passes(list.url, r)) continue;
    const at = data.requests.findIndex((x) => x.id === r.id);
    const requests = [...data.requests];
    if (at >= 0) requests[at] = r;
    else requests.push(r);
    if (requests.length > MAX_REQUESTS) requests.splice(0, requests.length - MAX_REQUESTS);
    list.set({ requests });
  }
  // Hit counts.
  if (r.stubId) invalidate('/emulator/v1/stubs');
}

export function applyWorkflow(w: WorkflowEvent): void {
  invalidate(
    '/emulator/v1/workflows',
    `/v1/${w.name}`,
    `/emulator/v1/${w.name}/stepTree`,
    ...(w.change === 'deleted' ? ['/emulator/v1/executions', '/emulator/v1/requests'] : []),
  );
}

export function applyDeployProblem(p: DeployProblemEvent): void {
  const r = cache.get('/emulator/v1/deployProblems') as
    Resource<{ deployProblems: DeployProblem[] }> | undefined;
  const data = r?.data.value;
  if (!r || !data) return;
  const rest = data.deployProblems.filter((x) => x.file !== p.file);
  if (!p.cleared) {
    rest.push({
      file: p.file,
      location: p.location,
      workflowId: p.workflowId,
      time: p.time,
      problems: p.problems,
    });
    rest.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  }
  r.set({ deployProblems: rest });
}

onLiveEvent('execution', applyExecution);
onLiveEvent('request', applyRequest);
onLiveEvent('workflow', applyWorkflow);
onLiveEvent('deployProblem', applyDeployProblem);
onLiveEvent('log', applyLog);

/** The label that names the execution a log entry belongs to (https://cloud.google.com/logging/docs/api/platform-logs#workflows). */
const EXECUTION_ID_LABEL = 'workflows.googleapis.com/execution_id';

/** A log entry was written: the lists of its execution's logs in the cache get it at their end. */
export function applyLog(entry: LogEntry): void {
  const executionId = entry.labels?.[EXECUTION_ID_LABEL];
  if (executionId === undefined) return;
  for (const list of cachedUnder<{ entries?: LogEntry[]; nextPageToken?: string }>('/emulator/v1/logs?')) {
    const data = list.data.value;
    const wanted = new URL(list.url, 'http://x').searchParams.get('execution') ?? '';
    if (!data || wanted.slice(wanted.lastIndexOf('/') + 1) !== executionId) continue;
    const entries = data.entries ?? [];
    if (entries.some((e) => e.insertId === entry.insertId)) continue;
    list.set({ ...data, entries: [...entries, entry] });
  }
}

/** Stubs were added or removed (by this page: the stream does not tell of stubs). */
export function applyStubsChanged(): void {
  invalidate('/emulator/v1/stubs');
}

/** The request log was cleared (by this page). */
export function applyRequestsCleared(): void {
  invalidate('/emulator/v1/requests', '/emulator/v1/stubs');
}
