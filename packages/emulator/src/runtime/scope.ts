import { cloneValue, type Value } from '../values/types.js';

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

  set(name: string, value: Value): void {
    this.ownerFor(name).vars.set(name, value);
  }
}
