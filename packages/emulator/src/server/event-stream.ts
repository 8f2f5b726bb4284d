/**
 * The live event stream (documented in the package README):
 *
 *   GET /emulator/v1/events?execution=NAME&types=a,b
 *
 * Server-sent events (https://html.spec.whatwg.org/multipage/server-sent-events.html): each bus
 * event (events.ts) as `event: <type>` and `data: <json>`; a `retry:` hint first, then a comment
 * line every 15 s so proxies and browsers keep the connection. `execution` (an execution's
 * resource name) keeps the events of that execution; `types` keeps those types (without it, all
 * but `stepEntry`, which comes only when asked for).
 *
 * A client that does not read fast enough never holds the emulator up: what is written to it
 * waits in a bounded buffer, and when that is full the client gets `event: overflow` and the
 * stream ends. It then fetches what it shows again and reconnects, as it does after any
 * disconnection (events are not replayed).
 *
 * The request guard (request-guard.ts) applies as to every route: pages of other sites cannot
 * read the stream.
 */
import express, { type Response } from 'express';
import { invalidArgument } from './api-error.js';
import type { AppDeps } from './deps.js';
import {
  EVENT_TYPES,
  OPT_IN_EVENT_TYPES,
  isEventType,
  type EmulatorEvent,
  type EmulatorEventType,
  type EventFilter,
} from './events.js';
import { checkExecutionId, checkLocation, checkProject, checkWorkflowId } from './names.js';
import { queryString } from './wire.js';
import { projectRef } from './workflows-service.js';

export interface EventStreamOptions {
  /** Bytes that may wait to be sent to one client before it is dropped with `overflow`. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** Milliseconds between heartbeat comments. Default 15 000. */
  heartbeatMs?: number;
  /** The reconnection delay suggested to clients, in milliseconds. Default 1 000. */
  retryMs?: number;
  /** Told of each client dropped for not reading, with the bytes that waited for it. */
  onOverflow?: (info: { bufferedBytes: number }) => void;
}

export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;

/** The open streams of one app (the heartbeat writes to each). */
class EventStreams {
  private readonly clients = new Set<StreamClient>();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(readonly options: Required<Omit<EventStreamOptions, 'onOverflow'>> & EventStreamOptions) {}

  get size(): number {
    return this.clients.size;
  }

  add(client: StreamClient): void {
    this.clients.add(client);
    this.heartbeat ??= setInterval(() => {
      for (const c of this.clients) c.write(': heartbeat\n\n');
    }, this.options.heartbeatMs).unref();
  }

  remove(client: StreamClient): void {
    this.clients.delete(client);
    if (this.clients.size === 0 && this.heartbeat) {
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
    }
  }
}

/** The text of each event, made once for all the clients that get it. */
const encoded = new WeakMap<EmulatorEvent, string>();

function encode(event: EmulatorEvent): string {
  let text = encoded.get(event);
  if (text === undefined) {
    // JSON.stringify never emits a line break outside strings (and escapes those in strings).
    text = `event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
    encoded.set(event, text);
  }
  return text;
}

class StreamClient {
  private closed = false;
  unsubscribe: () => void = () => undefined;

  constructor(
    private readonly res: Response,
    private readonly streams: EventStreams,
  ) {}

  write(text: string): void {
    if (this.closed) return;
    const buffered = this.res.writableLength;
    if (buffered > this.streams.options.maxBufferedBytes) {
      this.overflow(buffered);
      return;
    }
    this.res.write(text);
  }

  private overflow(bufferedBytes: number): void {
    this.res.end(
      `event: overflow\ndata: ${JSON.stringify({
        message: 'The client did not read the event stream fast enough; fetch again and reconnect.',
      })}\n\n`,
    );
    this.close();
    this.streams.options.onOverflow?.({ bufferedBytes });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    this.streams.remove(this);
  }
}

function parseTypes(text: string | undefined): ReadonlySet<EmulatorEventType> | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const out = new Set<EmulatorEventType>();
  for (const raw of text.split(',')) {
    const t = raw.trim();
    if (!isEventType(t))
      throw invalidArgument(`Unknown event type "${t}" in types; the types are ${EVENT_TYPES.join(', ')}`);
    out.add(t);
  }
  return out;
}

function parseExecution(deps: AppDeps, name: string | undefined): EventFilter['execution'] {
  if (name === undefined || name === '') return undefined;
  const m = /^projects\/([^/]+)\/locations\/([^/]+)\/workflows\/([^/]+)\/executions\/([^/]+)$/.exec(name);
  if (!m)
    throw invalidArgument(
      `execution must be an execution's name, projects/PROJECT/locations/LOCATION/workflows/WORKFLOW/executions/ID`,
    );
  const [, project = '', location = '', workflowId = '', executionId = ''] = m;
  return {
    project: projectRef(deps, checkProject(project)).project,
    location: checkLocation(location),
    workflowId: checkWorkflowId(workflowId),
    executionId: checkExecutionId(executionId),
  };
}

export function createEventStreamRouter(deps: AppDeps, options: EventStreamOptions = {}): express.Router {
  const streams = new EventStreams({
    ...options,
    maxBufferedBytes: options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
    heartbeatMs: options.heartbeatMs ?? 15_000,
    retryMs: options.retryMs ?? 1_000,
  });
  const router = express.Router();
  router.get('/emulator/v1/events', (req, res) => {
    const filter: EventFilter = {};
    // Without `types`, every type but the opt-in ones.
    filter.types =
      parseTypes(queryString(req.query, 'types')) ??
      new Set(EVENT_TYPES.filter((t) => !OPT_IN_EVENT_TYPES.has(t)));
    const execution = parseExecution(deps, queryString(req.query, 'execution'));
    if (execution) filter.execution = execution;

    const client = new StreamClient(res, streams);
    // Subscribed before the headers go out: a client that sees the stream open misses nothing after.
    client.unsubscribe = deps.events.subscribe(filter, (event) => client.write(encode(event)));
    streams.add(client);
    res.on('close', () => client.close());

    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('X-Accel-Buffering', 'no');
    req.socket.setNoDelay(true);
    res.flushHeaders();
    client.write(`retry: ${streams.options.retryMs}\n: connected\n\n`);
  });
  return router;
}
