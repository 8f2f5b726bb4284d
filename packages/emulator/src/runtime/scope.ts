import { cloneValue, isMap, typeName, type Value } from '../values/types.js';
import { platformError, typeError } from '../values/raised-error.js';

/**
 * A variable scope. A routine call has one flat scope; `for` iterations, `except` blocks and
 * parallel branches add child scopes whose new variables vanish when they end, while
 * assignments to variables that already exist outside go to the outer scope — except across a
 * parallel boundary, where only `shared` variables are written through.
 */
export class Scope {
  readonly vars = new Map<string, Value>();

  constructor(
    readonly parent: Scope | null,
    /** Non-null for the root scope of a parallel branch/iteration: the writable outer names. */
    readonly shared: ReadonlySet<string> | null = null,
  ) {}

  lookup(name: string): Value | undefined {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    for (let s: Scope | null = this; s !== null; s = s.parent) {
      const v = s.vars.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  /** The scope that owns `name` for writing (where an assignment lands). */
  ownerFor(name: string): Scope {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    for (let s: Scope | null = this; s !== null; s = s.parent) {
      if (s.vars.has(name)) return s;
      if (s.shared !== null && !s.shared.has(name)) break;
    }
    return this;
  }

  /** A copy of every variable visible from here (the innermost of a name wins). */
  lookupAll(): Map<string, Value> {
    const out = new Map<string, Value>();
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    for (let s: Scope | null = this; s !== null; s = s.parent) {
      for (const [k, v] of s.vars) if (!out.has(k)) out.set(k, cloneValue(v));
    }
    return out;
  }

  /**
   * Stores `value` at `variable[k1][k2]...` (an assignment with a path), creating the variable
   * and intermediate maps as needed. Returns the scope that owns the variable.
   */
  storeAt(variable: string, keys: readonly Value[], value: Value): Scope {
    const owner = this.ownerFor(variable);
    let container = owner.vars.get(variable);
    if (container === undefined) {
      // Assigning `m.k` creates `m` as a map, as nested keys are created as needed.
      container = new Map();
      owner.vars.set(variable, container);
    }
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as Value;
      const last = i === keys.length - 1;
      if (isMap(container)) {
        if (typeof key !== 'string') throw typeError(`map keys must be strings, got ${typeName(key)}`);
        if (last) container.set(key, value);
        else {
          let next = container.get(key);
          if (next === undefined || next === null) {
            next = new Map();
            container.set(key, next);
          }
          container = next;
        }
      } else if (Array.isArray(container)) {
        if (typeof key !== 'number' && typeof key !== 'bigint') {
          throw typeError(`list indices must be integers, got ${typeName(key)}`);
        }
        const idx = Number(key);
        if (idx < 0 || idx >= container.length) throw platformError('IndexError', 'list index out of range');
        if (last) container[idx] = value;
        else container = container[idx]!;
      } else {
        throw typeError(`cannot assign into a value of type ${typeName(container)}`);
      }
    }
    return owner;
  }

  set(name: string, value: Value): void {
    this.ownerFor(name).vars.set(name, value);
  }
}
