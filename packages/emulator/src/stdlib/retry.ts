/** `retry.*` (https://cloud.google.com/workflows/docs/reference/stdlib/retry/default_backoff): trivial predicates and the default back-off policy. */
import { Double, type Value, type WfMap } from '../values/types.js';
import { constant, param, pure, type StdlibMember } from './registry.js';

/** `{initial_delay: 1, max_delay: 60, multiplier: 1.25}`: integers 1 and 60, double 1.25. A fresh map per read. */
export function defaultBackoff(): WfMap {
  return new Map<string, Value>([
    ['initial_delay', 1],
    ['max_delay', 60],
    ['multiplier', new Double(1.25)],
  ]);
}

export function retryFunctions(): StdlibMember[] {
  return [
    pure('retry.always', [param('e')], () => true),
    pure('retry.never', [param('e')], () => false),
    constant('retry.default_backoff', defaultBackoff),
  ];
}
