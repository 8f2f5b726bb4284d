/**
 * Callback endpoints (`events.create_callback_endpoint` / `events.await_callback`).
 * The executor creates and awaits them; the server delivers incoming HTTP requests.
 */
import type { CallbackEndpoints, CallbackInfo, CallbackRequest, Clock } from '../values/seams.js';

export type { CallbackInfo, CallbackRequest } from '../values/seams.js';

interface CallbackState {
  id: string;
  executionName: string;
  method: string;
  url: string;
  queue: CallbackRequest[];
  waiters: ((req: CallbackRequest) => void)[];
}

export type DeliveryResult = 'delivered' | 'not_found' | 'method_not_allowed';

export class CallbackHub implements CallbackEndpoints {
  private readonly byExecution = new Map<string, Map<string, CallbackState>>();
  private counter = 0;

  constructor(
    /** Base URL of the emulator (e.g. `http://127.0.0.1:8787`), read when a callback is created. */
    private readonly baseUrl: () => string,
    private readonly clock: Clock,
  ) {}

  create(executionName: string, method: string, id?: string): CallbackInfo {
    const callbackId = id ?? `${Date.now().toString(36)}${(++this.counter).toString(36).padStart(4, '0')}`;
    const url = `${this.baseUrl()}/v1/${executionName}/callbacks/${callbackId}`;
    const state: CallbackState = { id: callbackId, executionName, method, url, queue: [], waiters: [] };
    let forExec = this.byExecution.get(executionName);
    if (!forExec) this.byExecution.set(executionName, (forExec = new Map()));
    forExec.set(callbackId, state);
    return info(state);
  }

  list(executionName: string): CallbackInfo[] {
    const forExec = this.byExecution.get(executionName);
    if (!forExec) return [];
    return [...forExec.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map(info);
  }

  /** Finds a callback by the URL the workflow handed out (the `url` field of the endpoint map). */
  findByUrl(url: string): CallbackInfo | undefined {
    for (const forExec of this.byExecution.values()) {
      for (const s of forExec.values()) if (s.url === url) return info(s);
    }
    return undefined;
  }

  deliver(
    executionName: string,
    callbackId: string,
    request: Omit<CallbackRequest, 'receivedAt'>,
  ): DeliveryResult {
    const state = this.byExecution.get(executionName)?.get(callbackId);
    if (!state) return 'not_found';
    if (state.method.toUpperCase() !== request.method.toUpperCase()) return 'method_not_allowed';
    const full: CallbackRequest = { ...request, receivedAt: new Date(this.clock.now()) };
    const waiter = state.waiters.shift();
    if (waiter) waiter(full);
    else state.queue.push(full);
    return 'delivered';
  }

  /**
   * Waits for the next request to the callback. Resolves with null on time-out; rejects
   * with the signal's reason when aborted (cancellation).
   */
  async await(
    executionName: string,
    callbackId: string,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<CallbackRequest | null> {
    signal.throwIfAborted();
    const state = this.byExecution.get(executionName)?.get(callbackId);
    if (!state) return Promise.reject(new Error(`unknown callback ${callbackId}`));
    const queued = state.queue.shift();
    if (queued) return queued;
    const timeoutCtl = new AbortController();
    const onAbort = () => timeoutCtl.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await new Promise<CallbackRequest | null>((resolve, reject) => {
        const waiter = (req: CallbackRequest) => {
          timeoutCtl.abort('delivered');
          resolve(req);
        };
        state.waiters.push(waiter);
        const removeWaiter = () => {
          const i = state.waiters.indexOf(waiter);
          if (i >= 0) state.waiters.splice(i, 1);
        };
        this.clock.sleep(timeoutMs, timeoutCtl.signal).then(
          () => {
            removeWaiter();
            resolve(null);
          },
          (err: unknown) => {
            removeWaiter();
            if (signal.aborted) reject(err instanceof Error ? err : new Error(String(err)));
          },
        );
      });
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Requests delivered but not yet awaited, oldest first (`Callback.availablePayloads`). */
  pending(executionName: string, callbackId: string): readonly CallbackRequest[] {
    return this.byExecution.get(executionName)?.get(callbackId)?.queue ?? [];
  }

  clearExecution(executionName: string): void {
    this.byExecution.delete(executionName);
  }

  clear(): void {
    this.byExecution.clear();
  }
}

function info(s: CallbackState): CallbackInfo {
  return {
    name: `${s.executionName}/callbacks/${s.id}`,
    id: s.id,
    method: s.method,
    url: s.url,
    waiters: s.waiters.length,
    availablePayloads: s.queue.length,
  };
}
