import { setTimeout as sleep } from 'node:timers/promises';
import { ExecutionsClient } from '@google-cloud/workflows';
import { z } from 'zod';
import { buildConsoleUrl } from './console-url.js';
import type { AuthLike, Endpoint } from './endpoint.js';
import { buildClientOptions, EMULATOR_DEFAULT_PROJECT, resolveEndpoint } from './endpoint.js';
import type { ApiErrorContext, ApiOperation } from './errors.js';
import {
  ExecutionNotFoundError,
  InvalidWorkflowArgumentsError,
  InvalidWorkflowResultError,
  mapApiError,
  WorkflowConfigurationError,
  WorkflowExecutionFailedError,
  WorkflowWaitTimeoutError,
} from './errors.js';
import type { ExecutionInput, ExecutionState, ExecutionStatus, WorkflowExecution } from './execution.js';
import { executionIdFromName, isTerminalState, toExecutionStatus, toWorkflowExecution } from './execution.js';
import { serializeArguments } from './serialize.js';

export interface WorkflowOptions {
  /** Name of the deployed workflow; overrides the class's `static workflowName`. */
  readonly workflowName?: string;
  /** Region the workflow is deployed in; overrides `static location`. */
  readonly location?: string;
  /**
   * Project ID. Otherwise `static projectId`, `GOOGLE_CLOUD_PROJECT`, `GCLOUD_PROJECT`, then
   * Application Default Credentials; against the emulator, `my-project` (the emulator's default).
   */
  readonly projectId?: string;
  /**
   * The emulator: `host:port` or `http://host:port`. Otherwise `WORKFLOWS_EMULATOR_HOST`; when neither
   * is set, Google itself.
   */
  readonly endpoint?: string;
  /** A google-auth-library `GoogleAuth` or `AuthClient` for Google; ignored against the emulator. */
  readonly auth?: AuthLike;
  /** An `ExecutionsClient` to use as it is (advanced: custom transport, retries, interceptors). */
  readonly client?: ExecutionsClient;
  /** Overrides `static argsSchema`. */
  readonly argsSchema?: z.ZodType;
  /** Overrides `static resultSchema`. */
  readonly resultSchema?: z.ZodType;
}

export interface WaitOptions {
  /** Give up (with `WorkflowWaitTimeoutError`) after this long. Default: wait as long as it takes. */
  readonly timeoutMs?: number;
  /** Delay before the second poll (the first is immediate). Default 1000. */
  readonly initialDelayMs?: number;
  /** Upper bound of the delay between polls. Default 30000. */
  readonly maxDelayMs?: number;
  /** Growth of the delay after each poll. Default 2. */
  readonly multiplier?: number;
  /** Aborting stops the wait; the promise then rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

export interface ListExecutionsOptions {
  /** Only executions in this state (or these states). */
  readonly state?: ExecutionState | readonly ExecutionState[];
  /** Executions fetched per request; the iterator follows the pages by itself. */
  readonly pageSize?: number;
  /** `BASIC` (the API's default for lists: no argument, result or error) or `FULL`. */
  readonly view?: 'BASIC' | 'FULL';
}

/** `invoke()`'s parameter list: optional unless the args schema rejects `undefined`. */
export type InvokeArgs<T> = undefined extends T ? [args?: T] : [args: T];

/**
 * The static properties a subclass may set. They are deliberately not declared on `Workflow`
 * itself: with `noImplicitOverride` every subclass would then have to write `static override`.
 */
export interface WorkflowStatics {
  /** Name of the deployed workflow. */
  readonly workflowName?: string;
  /** Region the workflow is deployed in. */
  readonly location?: string;
  /** Project; usually left to the environment. */
  readonly projectId?: string;
  /** Validates and types `invoke()`'s argument; the parsed output is what is sent. */
  readonly argsSchema?: z.ZodType;
  /** Validates and types the `result` of a SUCCEEDED execution. */
  readonly resultSchema?: z.ZodType;
}

/**
 * The typed shape of a `Workflow`'s constructor, as `withSchemas` returns it. Only the schemas are
 * declared, so that a subclass sets `workflowName` and `location` without `override`.
 */
export interface WorkflowClass<TArgs extends z.ZodType, TResult extends z.ZodType> {
  new (options?: WorkflowOptions): Workflow<TArgs, TResult>;
  readonly argsSchema?: TArgs;
  readonly resultSchema?: TResult;
}

const ENV_PROJECT_VARS = ['GOOGLE_CLOUD_PROJECT', 'GCLOUD_PROJECT'] as const;

// Clients are expensive to build (proto loading) and designed to be shared, and the ADC project
// never changes within a process; django-gcp style code makes a fresh Workflow per call.
const sharedClients = new Map<string, ExecutionsClient>();
const authClients = new WeakMap<object, ExecutionsClient>();
const adcProjects = new WeakMap<object, string>();
let defaultAdcProject: string | undefined;

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function staticString(
  statics: Record<keyof WorkflowStatics, unknown>,
  key: keyof WorkflowStatics,
): string | undefined {
  const value = statics[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new WorkflowConfigurationError(`static ${key} must be a string, got ${typeof value}`);
  }
  return nonEmpty(value);
}

function staticSchema(
  statics: Record<keyof WorkflowStatics, unknown>,
  key: 'argsSchema' | 'resultSchema',
): z.ZodType | undefined {
  const value = statics[key];
  if (value === undefined || value === null) return undefined;
  // Duck-typed, so a schema from another copy of zod 4 works too.
  if (typeof (value as { safeParseAsync?: unknown }).safeParseAsync !== 'function') {
    throw new WorkflowConfigurationError(`static ${key} must be a zod schema`);
  }
  return value as z.ZodType;
}

function checkPositive(name: string, value: number | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < min) {
    throw new WorkflowConfigurationError(`${name} must be a number >= ${min}, got ${String(value)}`);
  }
  return value;
}

/**
 * A deployed workflow: invoke it, read, wait for, cancel and list its executions.
 *
 * ```ts
 * class ProcessOrderWorkflow extends Workflow {
 *   static readonly workflowName = 'process-order';
 *   static readonly location = 'europe-west1';
 * }
 * const execution = await new ProcessOrderWorkflow().invoke({ orderId: 12345 });
 * ```
 *
 * The type parameters are zod schemas (`static argsSchema`, `static resultSchema`) that type
 * `invoke()`'s argument and `result`; see `Workflow.withSchemas`.
 */
export class Workflow<
  TArgsSchema extends z.ZodType = z.ZodType,
  TResultSchema extends z.ZodType = z.ZodType,
> {
  /**
   * A base class whose statics are these schemas and whose methods are typed by them:
   * `class Order extends Workflow.withSchemas({ argsSchema, resultSchema }) { static readonly workflowName = ... }`.
   */
  static withSchemas<TArgs extends z.ZodType = z.ZodType, TResult extends z.ZodType = z.ZodType>(schemas: {
    readonly argsSchema?: TArgs;
    readonly resultSchema?: TResult;
  }): WorkflowClass<TArgs, TResult> {
    return class extends Workflow<TArgs, TResult> {
      static readonly argsSchema = schemas.argsSchema;
      static readonly resultSchema = schemas.resultSchema;
    };
  }

  readonly workflowName: string;
  readonly location: string;
  /** Where requests go: the emulator (`kind: 'emulator'`, with its URL) or Google. */
  readonly endpoint: Endpoint;
  readonly #explicitProject: string | undefined;
  readonly #auth: AuthLike | undefined;
  readonly #argsSchema: z.ZodType | undefined;
  readonly #resultSchema: z.ZodType | undefined;
  #client: ExecutionsClient | undefined;
  #project: string | undefined;

  constructor(options: WorkflowOptions = {}) {
    // new.target is the subclass, so its `static readonly workflowName = '...'` is what we read.
    const statics = new.target as unknown as Record<keyof WorkflowStatics, unknown>;
    const workflowName = nonEmpty(options.workflowName) ?? staticString(statics, 'workflowName');
    const location = nonEmpty(options.location) ?? staticString(statics, 'location');
    const className = new.target === Workflow ? 'Workflow' : new.target.name || 'the Workflow subclass';
    if (workflowName === undefined) {
      throw new WorkflowConfigurationError(
        `No workflow name: set 'static readonly workflowName' on ${className} or pass { workflowName }`,
      );
    }
    if (location === undefined) {
      throw new WorkflowConfigurationError(
        `No location for workflow '${workflowName}': set 'static readonly location' on ${className} or pass { location }`,
      );
    }
    this.workflowName = workflowName;
    this.location = location;
    // An injected client decides its own endpoint; the option/env still decide the console URL.
    this.endpoint = resolveEndpoint(nonEmpty(options.endpoint));
    this.#explicitProject = nonEmpty(options.projectId) ?? staticString(statics, 'projectId');
    this.#auth = options.auth;
    this.#client = options.client;
    this.#argsSchema = options.argsSchema ?? staticSchema(statics, 'argsSchema');
    this.#resultSchema = options.resultSchema ?? staticSchema(statics, 'resultSchema');
  }

  /** The project, if it can be known without asking Application Default Credentials. */
  #syncProject(): string | undefined {
    if (this.#project !== undefined) return this.#project;
    if (this.#explicitProject !== undefined) return this.#explicitProject;
    for (const name of ENV_PROJECT_VARS) {
      const value = nonEmpty(process.env[name]);
      if (value !== undefined) return value;
    }
    if (this.endpoint.kind === 'emulator') return EMULATOR_DEFAULT_PROJECT;
    if (this.#auth !== undefined) return adcProjects.get(this.#auth);
    if (this.#client === undefined) return defaultAdcProject;
    return undefined;
  }

  /**
   * The project requests go to: the `projectId` option, `static projectId`, `GOOGLE_CLOUD_PROJECT`,
   * `GCLOUD_PROJECT`, then Application Default Credentials (never consulted against the emulator,
   * where the default is `my-project`).
   */
  async getProjectId(): Promise<string> {
    const known = this.#syncProject();
    if (known !== undefined) {
      this.#project = known;
      return known;
    }
    let project: string | null | undefined;
    try {
      const auth = this.#auth as
        { projectId?: unknown; getProjectId?: () => Promise<string | null> } | undefined;
      if (auth !== undefined && typeof auth.projectId === 'string' && auth.projectId !== '') {
        project = auth.projectId;
      } else if (auth !== undefined && typeof auth.getProjectId === 'function') {
        project = await auth.getProjectId();
      } else {
        project = await this.getClient().getProjectId();
      }
    } catch (error) {
      throw new WorkflowConfigurationError(this.#noProjectMessage(), { cause: error });
    }
    if (typeof project !== 'string' || project === '') {
      throw new WorkflowConfigurationError(this.#noProjectMessage());
    }
    this.#project = project;
    if (this.#auth !== undefined) adcProjects.set(this.#auth, project);
    else if (this.#client === undefined) defaultAdcProject = project;
    return project;
  }

  #noProjectMessage(): string {
    return (
      `No project ID for workflow '${this.workflowName}': pass { projectId }, set GOOGLE_CLOUD_PROJECT, ` +
      'or configure Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS or `gcloud auth application-default login`)'
    );
  }

  /**
   * The official `ExecutionsClient` this workflow uses, built on first use (never in the
   * constructor, so constructing a Workflow touches neither the network nor the credentials).
   */
  getClient(): ExecutionsClient {
    if (this.#client !== undefined) return this.#client;
    const endpoint = this.endpoint;
    const auth = this.#auth;
    let client: ExecutionsClient | undefined;
    if (endpoint.kind === 'emulator') {
      client = sharedClients.get(endpoint.url);
      if (client === undefined) {
        client = new ExecutionsClient(buildClientOptions(endpoint));
        sharedClients.set(endpoint.url, client);
      }
    } else if (auth !== undefined) {
      client = authClients.get(auth);
      if (client === undefined) {
        client = new ExecutionsClient(buildClientOptions(endpoint, auth));
        authClients.set(auth, client);
      }
    } else {
      client = sharedClients.get('google');
      if (client === undefined) {
        client = new ExecutionsClient(buildClientOptions(endpoint));
        sharedClients.set('google', client);
      }
    }
    this.#client = client;
    return client;
  }

  async #workflowPath(): Promise<string> {
    const project = await this.getProjectId();
    return `projects/${project}/locations/${this.location}/workflows/${this.workflowName}`;
  }

  #context(operation: ApiOperation, executionId?: string): ApiErrorContext {
    return {
      operation,
      workflowName: this.workflowName,
      location: this.location,
      projectId: this.#syncProject() ?? '(unknown)',
      ...(executionId !== undefined && { executionId }),
    };
  }

  async #executionName(executionId: string, operation: ApiOperation): Promise<string> {
    // An ID with a path separator could address another resource; none exists by that ID.
    if (typeof executionId !== 'string' || executionId === '' || /[/?#]/.test(executionId)) {
      throw new ExecutionNotFoundError(`'${String(executionId)}' is not an execution ID`, {
        executionId: String(executionId),
      });
    }
    try {
      return `${await this.#workflowPath()}/executions/${executionId}`;
    } catch (error) {
      throw mapApiError(error, this.#context(operation, executionId));
    }
  }

  async #serialize(args: unknown): Promise<string | undefined> {
    let value = args;
    const schema = this.#argsSchema;
    if (schema !== undefined) {
      const parsed = await schema.safeParseAsync(args);
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        throw new InvalidWorkflowArgumentsError(
          `Workflow arguments do not match argsSchema:\n${z.prettifyError(parsed.error)}`,
          { cause: parsed.error, path: (first?.path ?? []).filter((key) => typeof key !== 'symbol') },
        );
      }
      value = parsed.data;
    }
    return serializeArguments(value);
  }

  async #finish(execution: ExecutionInput): Promise<ExecutionStatus<z.output<TResultSchema>>> {
    const status = toExecutionStatus<z.output<TResultSchema>>(execution);
    const schema = this.#resultSchema;
    // A BASIC view carries no result: nothing to validate.
    if (schema === undefined || status.state !== 'SUCCEEDED' || status.result === undefined) return status;
    const parsed = await schema.safeParseAsync(status.result);
    if (!parsed.success) throw new InvalidWorkflowResultError(status.id, { cause: parsed.error });
    return { ...status, result: parsed.data as z.output<TResultSchema> };
  }

  /**
   * Starts an execution and returns at once (the workflow runs asynchronously). Arguments are
   * serialised to JSON as the service wants them; anything that cannot be sent throws
   * `InvalidWorkflowArgumentsError` before any request. No arguments: the workflow's parameter is `null`.
   */
  async invoke(...[args]: InvokeArgs<z.input<TArgsSchema>>): Promise<WorkflowExecution> {
    const argument = await this.#serialize(args);
    let parent: string;
    try {
      parent = await this.#workflowPath();
    } catch (error) {
      throw mapApiError(error, this.#context('invoke'));
    }
    try {
      const [execution] = await this.getClient().createExecution({
        parent,
        execution: argument === undefined ? {} : { argument },
      });
      return toWorkflowExecution(execution);
    } catch (error) {
      throw mapApiError(error, this.#context('invoke'));
    }
  }

  /** The execution's current state, times, result or error (FULL view). */
  async getExecutionStatus(executionId: string): Promise<ExecutionStatus<z.output<TResultSchema>>> {
    const name = await this.#executionName(executionId, 'get');
    let execution: ExecutionInput;
    try {
      [execution] = await this.getClient().getExecution({ name });
    } catch (error) {
      throw mapApiError(error, this.#context('get', executionId));
    }
    return this.#finish(execution);
  }

  /** Cancels a running execution and returns its status (CANCELLED). */
  async cancel(executionId: string): Promise<ExecutionStatus<z.output<TResultSchema>>> {
    const name = await this.#executionName(executionId, 'cancel');
    let execution: ExecutionInput;
    try {
      [execution] = await this.getClient().cancelExecution({ name });
    } catch (error) {
      throw mapApiError(error, this.#context('cancel', executionId));
    }
    return this.#finish(execution);
  }

  /**
   * Polls until the execution reaches a terminal state (SUCCEEDED, FAILED, CANCELLED, UNAVAILABLE)
   * and returns that status, whatever it is. The delay between polls grows exponentially up to
   * `maxDelayMs`, each one drawn at random from its upper half so that many waiters do not poll
   * in step (the API has per-minute read quotas).
   */
  async waitForCompletion(
    executionId: string,
    options: WaitOptions = {},
  ): Promise<ExecutionStatus<z.output<TResultSchema>>> {
    const timeoutMs =
      options.timeoutMs === undefined ? undefined : checkPositive('timeoutMs', options.timeoutMs, 0);
    const initialDelayMs = checkPositive('initialDelayMs', options.initialDelayMs, 1000);
    const maxDelayMs = checkPositive('maxDelayMs', options.maxDelayMs, 30_000);
    const multiplier = checkPositive('multiplier', options.multiplier, 2, 1);
    const { signal } = options;
    const deadline = timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
    let delay = Math.min(initialDelayMs, maxDelayMs);
    while (true) {
      signal?.throwIfAborted();
      const status = await this.getExecutionStatus(executionId);
      if (isTerminalState(status.state)) return status;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new WorkflowWaitTimeoutError(status, timeoutMs ?? 0);
      const jittered = delay / 2 + Math.random() * (delay / 2);
      try {
        await sleep(Math.min(remaining, jittered), undefined, signal ? { signal } : undefined);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        throw error;
      }
      delay = Math.min(maxDelayMs, delay * multiplier);
    }
  }

  /**
   * Invokes the workflow, waits for the execution to finish and returns its result; throws
   * `WorkflowExecutionFailedError` (carrying the status) if it FAILED or was CANCELLED.
   */
  async run(
    ...[args, options]: undefined extends z.input<TArgsSchema>
      ? [args?: z.input<TArgsSchema>, options?: WaitOptions]
      : [args: z.input<TArgsSchema>, options?: WaitOptions]
  ): Promise<z.output<TResultSchema>> {
    const execution = await (this.invoke as (args: unknown) => Promise<WorkflowExecution>)(args);
    const status = await this.waitForCompletion(execution.id, options);
    if (status.state !== 'SUCCEEDED') throw new WorkflowExecutionFailedError(status);
    return status.result as z.output<TResultSchema>;
  }

  /**
   * The workflow's executions, newest first, as an async iterator that fetches pages as it goes.
   * The list view is BASIC unless `view: 'FULL'` (then argument, result and error are filled in).
   */
  async *listExecutions(
    options: ListExecutionsOptions = {},
  ): AsyncGenerator<ExecutionStatus<z.output<TResultSchema>>> {
    const states =
      options.state === undefined
        ? undefined
        : new Set<string>(typeof options.state === 'string' ? [options.state] : options.state);
    let parent: string;
    try {
      parent = await this.#workflowPath();
    } catch (error) {
      throw mapApiError(error, this.#context('list'));
    }
    const request = {
      parent,
      ...(options.pageSize !== undefined && { pageSize: options.pageSize }),
      ...(options.view !== undefined && { view: options.view }),
      ...(states !== undefined && { filter: [...states].map((state) => `state="${state}"`).join(' OR ') }),
    };
    let iterator: AsyncIterator<ExecutionInput>;
    try {
      // Async iteration pages by itself; saying so keeps gax from warning on every call.
      const pages = this.getClient().listExecutionsAsync(request, { autoPaginate: false });
      iterator = pages[Symbol.asyncIterator]();
    } catch (error) {
      throw mapApiError(error, this.#context('list'));
    }
    while (true) {
      let next: IteratorResult<ExecutionInput>;
      try {
        next = await iterator.next();
      } catch (error) {
        throw mapApiError(error, this.#context('list'));
      }
      if (next.done === true) return;
      const status = await this.#finish(next.value);
      // The filter is also applied here, so a server that ignores `filter` still yields the right set.
      if (states === undefined || states.has(status.state)) yield status;
    }
  }

  /**
   * The Cloud Console page of an execution (`https://console.cloud.google.com/workflows/...`), or
   * the emulator's page against the emulator. Synchronous, so the project must be known without
   * asking ADC: configured, in the environment, or resolved by an earlier call.
   */
  getConsoleUrl(executionId: string): string {
    const projectId = this.#syncProject();
    if (projectId === undefined) {
      throw new WorkflowConfigurationError(
        `${this.#noProjectMessage()}. getConsoleUrl() is synchronous: await getProjectId() (or any other call) first`,
      );
    }
    return buildConsoleUrl(this.endpoint, {
      projectId,
      location: this.location,
      workflowName: this.workflowName,
      executionId: executionId.includes('/') ? executionIdFromName(executionId) : executionId,
    });
  }
}
