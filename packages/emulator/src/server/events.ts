/**
 * The emulator's in-process event bus: what changed, for the live event stream
 * (`GET /emulator/v1/events`, see event-stream.ts) and for in-process listeners (tests).
 *
 * Every event has a type from `EVENT_TYPES`, JSON data of that type's shape, and a scope (the
 * project, location, workflow and execution it belongs to) that subscribers filter on. Adding
 * an event type is two lines: its data shape in `EmulatorEvents` and its name in `EVENT_TYPES`
 * (the compiler checks that the two agree).
 *
 * Publishing costs nothing while nobody listens: data is passed as a function that runs only
 * when there is a subscriber, once for all of them. Listeners run synchronously and must not
 * block; one that throws is reported once and never breaks the publisher.
 */
import type { WorkflowLogEntry } from '../runtime/logging.js';
import type { RecordedRequest } from '../stubs/registry.js';
import type { Json } from './serialize.js';
import type { FileProblem } from './workflow-files.js';

/** A workflow was created, got a new revision or other changed fields, or was deleted. */
export interface WorkflowEventData {
  change: 'created' | 'updated' | 'deleted';
  /** `projects/{project}/locations/{location}/workflows/{workflowId}`. */
  name: string;
  location: string;
  workflowId: string;
  /** The current revision (for `deleted`, the last one). */
  revisionId: string;
  /** The watched file the current revision was deployed from, if any. */
  sourceFile?: string;
}

/** A watched file failed to deploy (`cleared: false`), or deployed again after failing (`cleared: true`). */
export interface DeployProblemEventData {
  /** Absolute path of the file. */
  file: string;
  location: string;
  workflowId: string;
  /** The first problem's position and message (absent when cleared). */
  line?: number;
  column?: number;
  message?: string;
  /** RFC 3339 time of the failed attempt, or of the fix. */
  time: string;
  /** Every problem of the file (empty when cleared). */
  problems: FileProblem[];
  cleared: boolean;
}

/** Each event type's data. */
export interface EmulatorEvents {
  /** An execution was created or changed (state, current steps, result): its REST JSON (FULL view). */
  execution: Json;
  workflow: WorkflowEventData;
  deployProblem: DeployProblemEventData;
  /**
   * An outbound call was recorded, and again when it ended (same `id`): the request-log record
   * as `GET /emulator/v1/requests` shows it (credentials redacted).
   */
  request: RecordedRequest;
  /**
   * An execution wrote a log entry (`sys.log`, its start or end, a call log): the Cloud Logging
   * `LogEntry` as `GET /emulator/v1/logs` returns it.
   */
  log: WorkflowLogEntry;
  /**
   * A step entry was created (its step started) or changed (it ended): the StepEntry as
   * `stepEntries.get` answers it in the basic view (no variables). Sent only to streams that ask
   * for it by type: a long loop makes two a step.
   */
  stepEntry: Json;
}

export type EmulatorEventType = keyof EmulatorEvents;

/** The event types, in the order the README lists them. */
export const EVENT_TYPES = [
  'execution',
  'workflow',
  'deployProblem',
  'request',
  'log',
  'stepEntry',
] as const satisfies readonly EmulatorEventType[];

/** Types a stream gets only when it lists them in `types` (they come by the thousand). */
export const OPT_IN_EVENT_TYPES: ReadonlySet<EmulatorEventType> = new Set(['stepEntry']);

// Fails to compile when a type is in `EmulatorEvents` but not in `EVENT_TYPES`.
const everyTypeListed: Exclude<EmulatorEventType, (typeof EVENT_TYPES)[number]> extends never ? true : never =
  true;
void everyTypeListed;

export function isEventType(name: string): name is EmulatorEventType {
  return (EVENT_TYPES as readonly string[]).includes(name);
}

/** What an event belongs to; subscribers filter on it. Project is the canonical project ID. */
export interface EventScope {
  project?: string;
  location?: string;
  workflowId?: string;
  executionId?: string;
}

export type EmulatorEvent = {
  [K in EmulatorEventType]: { type: K; data: EmulatorEvents[K]; scope: EventScope };
}[EmulatorEventType];

export interface EventFilter {
  /** Only these types (all when absent). */
  types?: ReadonlySet<EmulatorEventType>;
  /** Only events of this execution (events that belong to no execution are left out). */
  execution?: Required<EventScope>;
}

export type EventListener = (event: EmulatorEvent) => void;

interface Subscription {
  filter: EventFilter;
  listener: EventListener;
  failed: boolean;
}

export function matchesFilter(filter: EventFilter, type: EmulatorEventType, scope: EventScope): boolean {
  if (filter.types && !filter.types.has(type)) return false;
  const ex = filter.execution;
  if (ex) {
    if (scope.executionId !== ex.executionId) return false;
    // Execution IDs are UUIDs; the other parts are checked when the event carries them.
    for (const k of ['project', 'location', 'workflowId'] as const) {
      const v = scope[k];
      if (v !== undefined && v !== ex[k]) return false;
    }
  }
  return true;
}

export interface EventBusOptions {
  /** Told once per listener that throws (default: console.error). */
  onListenerError?: (err: unknown) => void;
}

export class EventBus {
  private readonly subscriptions = new Set<Subscription>();
  /** Coalesced publications waiting for the next turn of the event loop, by key. */
  private readonly pending = new Map<object, () => void>();
  private flushScheduled = false;

  constructor(private readonly options: EventBusOptions = {}) {}

  /** Whether anyone listens: publishers may skip work when not. */
  get listening(): boolean {
    return this.subscriptions.size > 0;
  }

  /** Listens until the returned function is called. */
  subscribe(filter: EventFilter, listener: EventListener): () => void {
    const sub: Subscription = { filter, listener, failed: false };
    this.subscriptions.add(sub);
    return () => {
      this.subscriptions.delete(sub);
    };
  }

  /**
   * Delivers an event to the subscribers whose filter it passes. `data` runs at most once, and
   * only when one of them wants the event.
   */
  publish<K extends EmulatorEventType>(type: K, scope: EventScope, data: () => EmulatorEvents[K]): void {
    if (this.subscriptions.size === 0) return;
    let event: EmulatorEvent | undefined;
    for (const sub of [...this.subscriptions]) {
      if (!matchesFilter(sub.filter, type, scope)) continue;
      event ??= { type, data: data(), scope } as EmulatorEvent;
      try {
        sub.listener(event);
      } catch (err) {
        if (!sub.failed) {
          sub.failed = true;
          (this.options.onListenerError ?? defaultListenerError)(err);
        }
      }
    }
  }

  /**
   * Publishes at the end of the current turn of the event loop, once per `key` however often
   * it is called meanwhile: for changes that come in bursts (an execution's current step).
   * `data` runs then, so the event carries the state of that moment. A `publish` for the same
   * key before then makes the pending one unnecessary: call `settle(key)` with it.
   */
  publishSoon<K extends EmulatorEventType>(
    key: object,
    type: K,
    scope: EventScope,
    data: () => EmulatorEvents[K],
  ): void {
    if (this.subscriptions.size === 0) return;
    this.pending.set(key, () => this.publish(type, scope, data));
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const due = [...this.pending.values()];
      this.pending.clear();
      for (const fire of due) fire();
    });
  }

  /** Drops a pending `publishSoon` for `key` (an event with the latest state was just published). */
  settle(key: object): void {
    this.pending.delete(key);
  }
}

function defaultListenerError(err: unknown): void {
  console.error('workflows-emulator: an event listener failed (its later failures are not reported):', err);
}
