/**
 * What a called name refers to, what a called function gets to know about its caller, and the
 * calls an execution makes outside its workflow (connectors and standard-library functions).
 */
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
import type { Value, WfMap } from '../values/types.js';
import { checkStringLength } from './limits.js';
import type { ExecutionLogs } from './logging.js';
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

/** A callee outside the workflow: a connector or a standard-library function. */
export type BuiltinCallee = Exclude<Callee, { kind: 'subworkflow' }>;

/**
 * The calls an execution makes outside its workflow: connectors and standard-library functions
 * from call steps, connector helpers from expressions. (A subworkflow call runs steps: the
 * executor makes it.)
 */
export class BuiltinCalls {
  constructor(
    private readonly deps: RuntimeDeps,
    private readonly stdlib: Stdlib,
    /** What pure functions get (and blocking ones through their CallContext). */
    private readonly fn: FunctionContext,
    private readonly identity: ExecutionIdentity,
    private readonly signal: AbortSignal,
    private readonly maxHttpResponseBytes: number,
    /** Where `sys.log` writes, when the execution keeps logs. */
    private readonly logs: ExecutionLogs | null,
  ) {}

  origin(routine: string, step: string): CallOrigin {
    return callOrigin(this.identity, routine, step);
  }

  /** Calls `name` with `args` (named or positional) for the step `step`, at `line`, of `routine`. */
  call(
    callee: BuiltinCallee,
    name: string,
    args: Value,
    routine: string,
    step: string,
    line: number,
  ): Value | Promise<Value> {
    if (callee.kind === 'connector') return this.connector(name, args, routine, step);
    const member = callee.member;
    const bound = this.stdlib.bindArgs(member, args);
    if (member.kind === 'pure') return checkStringLength(member.impl(bound, this.fn));
    const at = this.origin(routine, step);
    const logger = this.logs ? this.logs.sysLogger(at, line) : this.deps.logger;
    return member.impl(
      bound,
      callContext(this.fn, this.deps, this.signal, at, this.maxHttpResponseBytes, logger),
    );
  }

  /** Calls a connector (from a call step, or a helper an expression suspended on). */
  connector(name: string, args: Value, routine: string, step: string): Promise<Value> {
    return this.deps.connectors.call(name, args, this.origin(routine, step), this.signal);
  }
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

/** The arguments of a subworkflow call by name (a call step's `args` map), checked against its parameters. */
export function bindRoutineArgs(routine: Routine, args: WfMap | null): Map<string, Value> {
  const out = new Map<string, Value>();
  if (!args) return out;
  for (const [k, v] of args) {
    if (!routine.params.some((p) => p.name === k)) {
      throw typeError(`subworkflow '${routine.name}' has no parameter '${k}'`);
    }
    out.set(k, v);
  }
  return out;
}

/** The arguments of a subworkflow called in an expression (positional), by parameter name. */
export function positionalRoutineArgs(routine: Routine, args: readonly Value[]): Map<string, Value> {
  if (args.length > routine.params.length) {
    throw typeError(
      `subworkflow '${routine.name}' takes ${routine.params.length} arguments, got ${args.length}`,
    );
  }
  const out = new Map<string, Value>();
  args.forEach((a, i) => out.set(routine.params[i]!.name, a));
  return out;
}
