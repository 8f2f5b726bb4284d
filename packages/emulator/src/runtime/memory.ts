/**
 * Memory metering: a running estimate of the bytes held in variables, against the 512 KB limit
 * on variables of an execution (https://cloud.google.com/workflows/quotas#resource_limit).
 */
import { estimateSize } from '../values/size.js';
import type { Scope } from './scope.js';
import { resourceLimitError } from '../values/raised-error.js';

export class MemoryMeter {
  private used = 0;
  private readonly scopeSizes = new WeakMap<Scope, Map<string, number>>();

  constructor(private readonly limitBytes: number) {}

  /** Re-measures variable `name` of `owner` after a write; throws past the limit. */
  account(owner: Scope, name: string): void {
    let sizes = this.scopeSizes.get(owner);
    if (!sizes) this.scopeSizes.set(owner, (sizes = new Map()));
    const v = owner.vars.get(name) ?? null;
    const size = name.length + estimateSize(v);
    this.used += size - (sizes.get(name) ?? 0);
    sizes.set(name, size);
    if (this.used > this.limitBytes) {
      throw resourceLimitError(
        `Memory usage limit exceeded: variables use about ${this.used} bytes, the limit is ${this.limitBytes}`,
        ['MemoryLimitExceededError'],
      );
    }
  }

  /** Releases the memory of a scope that ends (loop iteration, except block, branch, routine). */
  release(scope: Scope): void {
    const sizes = this.scopeSizes.get(scope);
    if (!sizes) return;
    for (const s of sizes.values()) this.used -= s;
    this.scopeSizes.delete(scope);
  }
}
