/** What a called name refers to, and what a called function gets to know about its caller. */
import { EXPRESSION_CONNECTORS, isConnector } from '../stdlib/connectors.js';
import type {
  BlockingFunction,
  CallContext,
  FunctionContext,
  PureFunction,
  Stdlib,
} from '../stdlib/registry.js';
import type { Routine } from '../source/types.js';
import type { ExecutionIdentity, RuntimeDeps } from './api.js';
import type { CallOrigin, Logger } from '../values/seams.js';
import type { FunctionKind } from './tracer.js';
import { platformError, typeError } from '../values/raised-error.js';

export type Callee =
  | { kind: 'subworkflow'; routine: Routine }
  | { kind: 'connector' }
  | { kind: 'stdlib'; member: PureFunction | BlockingFunction };

/**
 * Resolves a function name: a subworkflow of the workflow first, then a connector (in an
 * expression, only the connector helpers Google allows there), then the standard library.
 */
export function resolveCallee(
  name: string,
  routines: ReadonlyMap<string, Routine>,
  stdlib: Stdlib,
  inExpression: boolean,
): Callee {
  const routine = routines.get(name);
  if (routine) return { kind: 'subworkflow', routine };
  if (inExpression ? EXPRESSION_CONNECTORS.has(name) : isConnector(name)) return { kind: 'connector' };
  const member = stdlib.get(name);
  if (!member) throw platformError('SystemError', `unknown function '${name}'`);
  if (member.kind === 'constant') throw typeError(`'${name}' is not a function`);
  return { kind: 'stdlib', member };
}

export function callOrigin(id: ExecutionIdentity, routine: string, step: string): CallOrigin {
  return {
    executionId: id.executionId,
    workflowId: id.workflowId,
    projectId: id.projectId,
    location: id.location,
    routine,
    step,
  };
}

/**
 * What a blocking function gets: the FunctionContext, the seams, cancellation and the caller
 * (a small object: it lives as long as the call, and thousands of executions may be waiting).
 */
export function callContext(
  base: FunctionContext,
  deps: RuntimeDeps,
  signal: AbortSignal,
  origin: CallOrigin,
  maxHttpResponseBytes: number,
  logger: Logger = deps.logger,
): CallContext {
  return new ExecutionCallContext(base, deps, signal, origin, maxHttpResponseBytes, logger);
}

class ExecutionCallContext implements CallContext {
  constructor(
    private readonly base: FunctionContext,
    private readonly deps: RuntimeDeps,
    readonly signal: AbortSignal,
    readonly origin: CallOrigin,
    readonly maxHttpResponseBytes: number,
    /** Where `sys.log` writes: the execution's logs (which also tell the deps' logger). */
    readonly logger: Logger,
  ) {}

  get clock() {
    return this.base.clock;
  }
  get ids() {
    return this.base.ids;
  }
  env(name: string): string | undefined {
    return this.base.env(name);
  }
  get transport() {
    return this.deps.transport;
  }
  get connectors() {
    return this.deps.connectors;
  }
  get callbacks() {
    return this.deps.callbacks;
  }
}

/** How a function name is reported to observers. */
export function functionKind(name: string, routines: ReadonlyMap<string, Routine>): FunctionKind {
  if (routines.has(name)) return 'subworkflow';
  if (isConnector(name)) return 'connector';
  return name.startsWith('http.') ? 'http' : 'stdlib';
}
