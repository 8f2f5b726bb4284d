/**
 * Retry policies of `try`/`retry` steps
 * (https://cloud.google.com/workflows/docs/reference/syntax/retrying), as pure functions:
 * the raw values a step gives (a policy map, or the map form's fields) → a policy, and an
 * attempt number → its delay. The executor evaluates the expressions and runs the predicate.
 */
import { dottedName } from '../expr/index.js';
import type { RetrySpec, ValueTemplate } from '../source/types.js';
import { typeError } from '../values/raised-error.js';
import { Double, isMap, typeName, type Value } from '../values/types.js';

export interface RetryPolicy {
  /** Dotted name of a stdlib predicate, or the name of a subworkflow. */
  predicate: string;
  maxRetries: number;
  /** Seconds. */
  initialDelay: number;
  /** Seconds. */
  maxDelay: number;
  multiplier: number;
}

/** A policy's fields as the workflow wrote them; null = not given. */
export interface RetryPolicyValues {
  predicate?: string;
  maxRetries: Value;
  initialDelay: Value;
  maxDelay: Value;
  multiplier: Value;
}

/** Default back-off of a policy that gives none: `retry.default_backoff` (1 s, at most 60 s, × 1.25). */
export const DEFAULT_BACKOFF = { initialDelay: 1, maxDelay: 60, multiplier: 1.25 } as const;

/**
 * The policy's fields as a `retry` gives them: a policy expression, or the map form's fields,
 * each evaluated with `evaluate`. A predicate written as a function name (`${http.default_retry_predicate}`)
 * is that name.
 */
export function retryPolicyValues(spec: RetrySpec, evaluate: (t: ValueTemplate) => Value): RetryPolicyValues {
  if (spec.policy) return policyValuesFromMap(evaluate(spec.policy));
  let predicate: string | undefined;
  if (spec.predicate) {
    predicate = dottedName(spec.predicate.expr) ?? undefined;
    if (!predicate) {
      const v = evaluate(spec.predicate);
      if (typeof v === 'string') predicate = v;
    }
  }
  const b = spec.backoff;
  const values: RetryPolicyValues = {
    maxRetries: spec.maxRetries ? evaluate(spec.maxRetries) : null,
    initialDelay: b?.initialDelay ? evaluate(b.initialDelay) : null,
    maxDelay: b?.maxDelay ? evaluate(b.maxDelay) : null,
    multiplier: b?.multiplier ? evaluate(b.multiplier) : null,
  };
  if (predicate !== undefined) values.predicate = predicate;
  if (spec.backoffExpr) {
    const v = evaluate(spec.backoffExpr);
    if (!isMap(v)) throw typeError(`retry backoff must be a map, got ${typeName(v)}`);
    Object.assign(values, backoffValues(v));
  }
  return values;
}

/** The fields of a policy map (`retry: ${http.default_retry}` or a map held in a variable). */
export function policyValuesFromMap(v: Value): RetryPolicyValues {
  if (!isMap(v)) throw typeError(`retry policy must be a map, got ${typeName(v)}`);
  const p = v.get('predicate');
  const out: RetryPolicyValues = {
    maxRetries: v.get('max_retries') ?? null,
    ...backoffValues(v.get('backoff') ?? null),
  };
  if (typeof p === 'string') out.predicate = p;
  return out;
}

/** The fields of a back-off map; anything but a map gives none. */
export function backoffValues(b: Value): Pick<RetryPolicyValues, 'initialDelay' | 'maxDelay' | 'multiplier'> {
  if (!isMap(b)) return { initialDelay: null, maxDelay: null, multiplier: null };
  return {
    initialDelay: b.get('initial_delay') ?? null,
    maxDelay: b.get('max_delay') ?? null,
    multiplier: b.get('multiplier') ?? null,
  };
}

/** Checks the numbers and fills the defaults (no retries, `retry.always`, the default back-off). */
export function retryPolicy(values: RetryPolicyValues): RetryPolicy {
  return {
    predicate: values.predicate ?? 'retry.always',
    maxRetries: num(values.maxRetries, 'max_retries', 0),
    initialDelay: num(values.initialDelay, 'initial_delay', DEFAULT_BACKOFF.initialDelay),
    maxDelay: num(values.maxDelay, 'max_delay', DEFAULT_BACKOFF.maxDelay),
    multiplier: num(values.multiplier, 'multiplier', DEFAULT_BACKOFF.multiplier),
  };
}

/**
 * Seconds to wait before retry number `attempt` (1-based): the initial delay, then each delay
 * the previous one times the multiplier, capped at the maximum delay.
 */
export function retryDelay(policy: RetryPolicy, attempt: number): number {
  let delay = policy.initialDelay;
  for (let n = 2; n <= attempt; n++) {
    const next = Math.min(delay * policy.multiplier, policy.maxDelay);
    if (next === delay) break; // settled (at the cap, or a multiplier of 1)
    delay = next;
  }
  return delay;
}

function num(v: Value, name: string, dflt: number): number {
  if (v === null) return dflt;
  if (typeof v === 'number') return v;
  if (v instanceof Double) return v.value;
  throw typeError(`retry: ${name} must be a number, got ${typeName(v)}`);
}
