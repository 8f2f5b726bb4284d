/**
 * The UI's data layer: one cached resource per URL, each a set of signals the pages render
 * from. A page asks for a resource when it mounts (fresh data on every navigation, the cached
 * value shown meanwhile); nothing polls.
 *
 * Every change the UI learns of goes through the `apply*` functions below: today the answers to
 * its own actions (an execution created or cancelled, a stub added), and in phase B the live
 * event stream (`GET /emulator/v1/events`): one EventSource whose `execution`, `stepEntry`,
 * `log`, `request`, `workflow` and `deployProblem` messages call these same functions.
 */
import { signal, type Signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { get, type Execution } from './api.js';

export interface Resource<T> {
  readonly url: string;
  readonly data: Signal<T | undefined>;
  readonly error: Signal<Error | undefined>;
  readonly loading: Signal<boolean>;
  /** Fetches again; concurrent calls share one request. */
  reload(): Promise<void>;
}

const cache = new Map<string, Resource<unknown>>();
/** How many mounted components use each URL: `invalidate` reloads only those in view. */
const inUse = new Map<string, number>();

export function resource<T>(url: string): Resource<T> {
  let r = cache.get(url) as Resource<T> | undefined;
  if (!r) {
    let pending: Promise<void> | undefined;
    const res: Resource<T> = {
      url,
      data: signal<T | undefined>(undefined),
      error: signal<Error | undefined>(undefined),
      loading: signal(false),
      reload() {
        pending ??= (async () => {
          res.loading.value = true;
          try {
            res.data.value = await get<T>(url);
            res.error.value = undefined;
          } catch (err) {
            res.error.value = err as Error;
          } finally {
            res.loading.value = false;
            pending = undefined;
          }
        })();
        return pending;
      },
    };
    r = res;
    cache.set(url, r);
  }
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

/** Reloads the resources in view whose URL starts with one of the prefixes; the rest reload when shown. */
export function invalidate(...prefixes: string[]): void {
  for (const [url, r] of cache) {
    if (!prefixes.some((p) => url.startsWith(p))) continue;
    if (inUse.has(url)) void r.reload();
    else cache.delete(url);
  }
}

/** An execution changed (created, cancelled, finished): its page and the lists that show it. */
export function applyExecution(execution: Execution): void {
  const own = cache.get(`/v1/${execution.name}`) as Resource<Execution> | undefined;
  if (own) own.data.value = execution;
  const workflow = execution.name.replace(/\/executions\/[^/]+$/, '');
  invalidate(
    '/emulator/v1/executions',
    '/emulator/v1/workflows',
    `/v1/${workflow}/executions`,
    `/v1/${execution.name}/`,
    '/emulator/v1/requests',
  );
}

/** Something happened to an execution that the UI did not get the new state of (a callback delivered). */
export function executionChanged(name: string): void {
  invalidate(`/v1/${name}`, '/emulator/v1/executions', '/emulator/v1/workflows', '/emulator/v1/requests');
}

/** Stubs were added or removed. */
export function applyStubsChanged(): void {
  invalidate('/emulator/v1/stubs');
}

/** Outbound calls were made or the log was cleared. */
export function applyRequestsChanged(): void {
  invalidate('/emulator/v1/requests', '/emulator/v1/stubs');
}
