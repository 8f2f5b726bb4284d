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
import type { CallOrigin } from './seams.js';
import { platformError, typeError } from './workflow-error.js';

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

/** What a blocking function gets: the FunctionContext, the seams, cancellation and the caller. */
export function callContext(
  base: FunctionContext,
  deps: RuntimeDeps,
  signal: AbortSignal,
  origin: CallOrigin,
  maxHttpResponseBytes: number,
): CallContext {
  return {
    clock: base.clock,
    ids: base.ids,
    env: (name) => base.env(name),
    transport: deps.transport,
    connectors: deps.connectors,
    callbacks: deps.callbacks,
    logger: deps.logger,
    signal,
    origin,
    maxHttpResponseBytes,
  };
}
