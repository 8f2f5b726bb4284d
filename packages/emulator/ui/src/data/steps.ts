/**
 * The steps an execution took, from the Executions API's step entries, kept per execution.
 *
 * Entries are fetched when a history is first shown and whenever the live stream (re)opens; a
 * reload asks only for the entries from the first one still in progress (or after the last one
 * known). In between, the live `stepEntry` events of a shown execution bring each entry as its
 * step starts and as it ends, so following a running execution costs no request.
 *
 * `upsert` is the one way entries come in (the fetch and the live events use it), and `tree`
 * arranges them for display: each entry under its `navigationInfo.parent` (an
 * iteration under its loop, a branch under its parallel step, a retry under its try step, the
 * steps of a called subworkflow under the call), in the order they started.
 *
 * The list is read in the basic view (no variables: a long history stays small); the variables
 * of the step a reader opens are read with that one entry.
 */
import { computed, signal, type ReadonlySignal, type Signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { get, type StepEntry } from './api.js';
import { onLiveEvent, onStreamOpen } from './store.js';

/** More entries than this are not fetched (the page says so). */
export const MAX_STEP_ENTRIES = 10_000;
const PAGE_SIZE = 1000;

export interface StepTreeNode {
  entry: StepEntry;
  children: StepTreeNode[];
}

export interface StepHistory {
  /** The execution's resource name. */
  readonly execution: string;
  /** Known entries, by entry ID. */
  readonly entries: Signal<StepEntry[]>;
  /** How many entries the execution has (the API's totalSize at the last fetch). */
  readonly total: Signal<number | undefined>;
  readonly error: Signal<Error | undefined>;
  /** True once a first fetch has answered. */
  readonly loaded: Signal<boolean>;
  readonly tree: ReadonlySignal<StepTreeNode[]>;
  /** Fetches what changed since the last fetch. */
  refresh(): Promise<void>;
  /** Adds entries, or replaces the known ones with the same entry ID. */
  upsert(entries: readonly StepEntry[]): void;
}

const histories = new Map<string, StepHistory>();
const inUse = new Map<string, number>();

const entryNumber = (e: StepEntry) => Number(e.entryId);

/**
 * Nests the entries by `navigationInfo.parent`, each list in entry ID order (the order they
 * started). An entry whose parent is not among them is a root.
 */
export function buildStepTree(entries: readonly StepEntry[]): StepTreeNode[] {
  const nodes = new Map<string, StepTreeNode>();
  const roots: StepTreeNode[] = [];
  for (const entry of [...entries].sort((a, b) => entryNumber(a) - entryNumber(b))) {
    const node: StepTreeNode = { entry, children: [] };
    nodes.set(entry.entryId, node);
    const parent = entry.navigationInfo?.parent;
    const under = parent === undefined ? undefined : nodes.get(parent);
    (under ? under.children : roots).push(node);
  }
  return roots;
}

/** Whether `a` is an older report of the same entry than `b` (an entry ends once; times only grow). */
function isOlder(a: StepEntry, b: StepEntry): boolean {
  if (a.state === 'STATE_IN_PROGRESS' && b.state !== 'STATE_IN_PROGRESS') return true;
  return Date.parse(a.updateTime ?? '') < Date.parse(b.updateTime ?? '');
}

function createHistory(execution: string): StepHistory {
  let pending: Promise<void> | undefined;
  let again = false;
  const h: StepHistory = {
    execution,
    entries: signal<StepEntry[]>([]),
    total: signal<number | undefined>(undefined),
    error: signal<Error | undefined>(undefined),
    loaded: signal(false),
    tree: computed(() => buildStepTree(h.entries.value)),
    upsert(incoming) {
      if (incoming.length === 0) return;
      const byId = new Map(h.entries.value.map((e) => [entryNumber(e), e]));
      for (const e of incoming) {
        const known = byId.get(entryNumber(e));
        if (!known || !isOlder(e, known)) byId.set(entryNumber(e), e);
      }
      h.entries.value = [...byId.values()].sort((a, b) => entryNumber(a) - entryNumber(b));
    },
    refresh() {
      if (pending) {
        again = true;
        return pending;
      }
      pending = (async () => {
        do {
          again = false;
          await fetchChanges();
        } while (again);
        pending = undefined;
      })();
      return pending;
    },
  };

  const fetchChanges = async (): Promise<void> => {
    const known = h.entries.value;
    const open = known.find((e) => e.state === 'STATE_IN_PROGRESS');
    const from = open
      ? entryNumber(open)
      : (known.length > 0 ? entryNumber(known[known.length - 1]!) : 0) + 1;
    try {
      let token: string | undefined;
      let fetched = 0;
      do {
        const q = new URLSearchParams({
          pageSize: String(PAGE_SIZE),
          filter: `entryId>=${from}`,
          view: 'EXECUTION_ENTRY_VIEW_BASIC',
        });
        if (token) q.set('pageToken', token);
        const page = await get<{ stepEntries?: StepEntry[]; nextPageToken?: string; totalSize?: number }>(
          `/v1/${execution}/stepEntries?${q.toString()}`,
        );
        const got = page.stepEntries ?? [];
        h.upsert(got);
        fetched += got.length;
        if (page.totalSize !== undefined) h.total.value = from - 1 + page.totalSize;
        token = page.nextPageToken;
      } while (token && from - 1 + fetched < MAX_STEP_ENTRIES);
      h.error.value = undefined;
    } catch (err) {
      h.error.value = err as Error;
    } finally {
      h.loaded.value = true;
    }
  };
  return h;
}

export function stepHistory(execution: string): StepHistory {
  let h = histories.get(execution);
  if (!h) histories.set(execution, (h = createHistory(execution)));
  return h;
}

/** The step history of an execution (none for null), fetched when the component mounts. */
export function useStepHistory(execution: string | null): StepHistory | undefined {
  const h = execution === null ? undefined : stepHistory(execution);
  useEffect(() => {
    if (!h) return;
    inUse.set(h.execution, (inUse.get(h.execution) ?? 0) + 1);
    void h.refresh();
    return () => {
      const n = (inUse.get(h.execution) ?? 1) - 1;
      // Kept when not shown (a mount refreshes it): a render may hold it before its effect runs.
      if (n <= 0) inUse.delete(h.execution);
      else inUse.set(h.execution, n);
    };
  }, [execution]);
  return h;
}

/** Live entries not yet applied, by execution: a burst of events (a loop) is applied at once. */
const arrived = new Map<string, StepEntry[]>();
let applyTimer: ReturnType<typeof setTimeout> | undefined;

function applyArrived(): void {
  applyTimer = undefined;
  for (const [execution, entries] of arrived) {
    const h = inUse.has(execution) ? histories.get(execution) : undefined;
    if (!h) continue;
    const highest = entries.reduce((m, e) => Math.max(m, entryNumber(e)), 0);
    // As many as a fetch would read; the count goes on (the page says how many there are).
    if (highest > (h.total.value ?? 0)) h.total.value = highest;
    h.upsert(entries.filter((e) => entryNumber(e) <= MAX_STEP_ENTRIES));
  }
  arrived.clear();
}

onLiveEvent('stepEntry', (e) => {
  const execution = e.name.slice(0, e.name.lastIndexOf('/stepEntries/'));
  if (!inUse.has(execution)) return;
  let list = arrived.get(execution);
  if (!list) arrived.set(execution, (list = []));
  list.push(e);
  // About a frame: every event of the burst is in by then.
  applyTimer ??= setTimeout(applyArrived, 16);
});

onStreamOpen(() => {
  for (const name of inUse.keys()) void histories.get(name)?.refresh();
});
