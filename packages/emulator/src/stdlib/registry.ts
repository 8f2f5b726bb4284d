/**
 * The one place that knows every standard-library function: its parameters (positional
 * order and names), which types each accepts, whether it blocks. Arity, named arguments
 * and argument types are checked here, never in the modules.
 */
import type {
  CallbackEndpoints,
  CallOrigin,
  Clock,
  ConnectorHandler,
  HttpTransport,
  IdSource,
  Logger,
} from '../values/seams.js';
import { typeError } from '../values/raised-error.js';
import { isMap, typeName, type TypeName, type Value, type WfMap } from '../values/types.js';

export interface ParamSpec {
  name: string;
  /** Accepted types; omitted = any type. */
  types?: readonly TypeName[];
  /** Optional parameters get `defaultValue` (or null) when absent. */
  optional?: boolean;
  defaultValue?: Value;
}

/** What non-blocking functions may read: the clock (`sys.now`), IDs (`uuid.generate`), env (`sys.get_env`). */
export interface FunctionContext {
  clock: Clock;
  ids: IdSource;
  /** Built-in `GOOGLE_CLOUD_*` and user env vars of the running execution. */
  env(name: string): string | undefined;
}

interface FunctionBase {
  /** Full dotted name, e.g. `text.split` or `len`. */
  name: string;
  params: readonly ParamSpec[];
}

/** A synchronous function usable in expressions and call steps. Receives arguments in positional order. */
export interface PureFunction extends FunctionBase {
  kind: 'pure';
  impl(args: Value[], ctx: FunctionContext): Value;
}

/**
 * What blocking functions may use besides a FunctionContext: the seams to the outside world,
 * the execution's abort signal (cancellation) and where the call comes from.
 */
export interface CallContext extends FunctionContext {
  transport: HttpTransport;
  connectors: ConnectorHandler;
  callbacks: CallbackEndpoints;
  logger: Logger;
  /** Aborted when the execution is cancelled: every wait must end on it. */
  signal: AbortSignal;
  /** The calling execution, routine and step (`projectId` and `location` always set). */
  origin: CallOrigin;
  /** Largest HTTP response body accepted (2 MB by default). */
  maxHttpResponseBytes: number;
}

/**
 * A blocking function (`http.*`, `sys.sleep`, `sys.log`, `events.*`...): allowed only in
 * `call` steps. Receives arguments in positional order, checked and defaulted by the registry.
 */
export interface BlockingFunction extends FunctionBase {
  kind: 'blocking';
  impl(args: Value[], ctx: CallContext): Promise<Value>;
}

/** A named value such as `retry.default_backoff` or `http.default_retry`. */
export interface ConstantMember {
  kind: 'constant';
  name: string;
  value(): Value;
}

export type StdlibMember = PureFunction | BlockingFunction | ConstantMember;

export class Stdlib {
  private readonly members = new Map<string, StdlibMember>();
  private readonly modules = new Set<string>();

  register(...members: StdlibMember[]): this {
    for (const m of members) {
      if (this.members.has(m.name)) throw new Error(`stdlib member registered twice: ${m.name}`);
      this.members.set(m.name, m);
      const dot = m.name.lastIndexOf('.');
      if (dot > 0) this.modules.add(m.name.slice(0, dot));
    }
    return this;
  }

  get(name: string): StdlibMember | undefined {
    return this.members.get(name);
  }

  has(name: string): boolean {
    return this.members.has(name);
  }

  /** True for module names such as `text`, `http`, `sys` (a dotted prefix of a member). */
  isModule(name: string): boolean {
    return this.modules.has(name);
  }

  names(): string[] {
    return [...this.members.keys()];
  }

  /** Checks positional arguments (from an expression or a list `args`) and fills defaults. */
  bindPositional(fn: PureFunction | BlockingFunction, args: readonly Value[]): Value[] {
    const { params } = fn;
    if (args.length > params.length) {
      throw typeError(
        `${fn.name}: expected at most ${params.length} argument${params.length === 1 ? '' : 's'}, got ${args.length}`,
      );
    }
    const out: Value[] = new Array<Value>(params.length);
    for (let i = 0; i < params.length; i++) {
      const p = params[i] as ParamSpec;
      if (i < args.length) out[i] = checkArg(fn, p, args[i] as Value);
      else if (p.optional) out[i] = p.defaultValue ?? null;
      else throw typeError(`${fn.name}: missing required argument '${p.name}'`);
    }
    return out;
  }

  /** Checks a `call` step's `args` (a map of named arguments, a list of positional ones, or none). */
  bindArgs(fn: PureFunction | BlockingFunction, args: Value): Value[] {
    if (args === null) return this.bindNamed(fn, null);
    if (isMap(args)) return this.bindNamed(fn, args);
    if (Array.isArray(args)) return this.bindPositional(fn, args);
    throw typeError(`${fn.name}: args must be a map of named arguments`);
  }

  /** Checks named arguments (a `call` step's `args` map) and returns them in positional order. */
  bindNamed(fn: PureFunction | BlockingFunction, args: WfMap | null): Value[] {
    const { params } = fn;
    if (args) {
      for (const key of args.keys()) {
        if (!params.some((p) => p.name === key)) throw typeError(`${fn.name}: unexpected argument '${key}'`);
      }
    }
    const out: Value[] = new Array<Value>(params.length);
    for (let i = 0; i < params.length; i++) {
      const p = params[i] as ParamSpec;
      if (args?.has(p.name)) out[i] = checkArg(fn, p, args.get(p.name) as Value);
      else if (p.optional) out[i] = p.defaultValue ?? null;
      else throw typeError(`${fn.name}: missing required argument '${p.name}'`);
    }
    return out;
  }
}

function checkArg(fn: FunctionBase, p: ParamSpec, v: Value): Value {
  if (p.types && !p.types.includes(typeName(v))) {
    if (v === null && p.optional) return p.defaultValue ?? null;
    throw typeError(`${fn.name}: argument '${p.name}' must be ${describeTypes(p.types)}, got ${typeName(v)}`);
  }
  return v;
}

function describeTypes(types: readonly TypeName[]): string {
  const named = types.map((t) => (t === 'integer' ? 'an integer' : `a ${t}`));
  return named.length === 1 ? (named[0] as string) : `${named.slice(0, -1).join(', ')} or ${named.at(-1)}`;
}

// Shorthands for module files.
export const param = (name: string, ...types: TypeName[]): ParamSpec =>
  types.length ? { name, types } : { name };
export const optional = (name: string, defaultValue: Value, ...types: TypeName[]): ParamSpec =>
  types.length ? { name, types, optional: true, defaultValue } : { name, optional: true, defaultValue };
export const NUMBER: TypeName[] = ['integer', 'double'];

export function pure(
  name: string,
  params: readonly ParamSpec[],
  impl: (args: Value[], ctx: FunctionContext) => Value,
): PureFunction {
  return { kind: 'pure', name, params, impl };
}

export function blocking(
  name: string,
  params: readonly ParamSpec[],
  impl: (args: Value[], ctx: CallContext) => Promise<Value>,
): BlockingFunction {
  return { kind: 'blocking', name, params, impl };
}

export function constant(name: string, value: () => Value): ConstantMember {
  return { kind: 'constant', name, value };
}
