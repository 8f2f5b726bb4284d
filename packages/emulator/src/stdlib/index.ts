/** The standard library: `createStdlib()` builds a fresh registry (never at import time). */
import { base64Functions } from './base64.js';
import { eventsFunctions } from './events.js';
import { executionsFunctions } from './executions.js';
import { hashFunctions } from './hash.js';
import { helperFunctions } from './helpers.js';
import { httpFunctions } from './http.js';
import { jsonFunctions } from './json.js';
import { listFunctions } from './list.js';
import { mapFunctions } from './map.js';
import { mathFunctions } from './math.js';
import { Stdlib } from './registry.js';
import { retryFunctions } from './retry.js';
import { sysFunctions } from './sys.js';
import { textFunctions } from './text.js';
import { timeFunctions } from './time.js';
import { uuidFunctions } from './uuid.js';

export function createStdlib(): Stdlib {
  return new Stdlib().register(
    ...helperFunctions(),
    ...base64Functions(),
    ...eventsFunctions(),
    ...executionsFunctions(),
    ...hashFunctions(),
    ...httpFunctions(),
    ...jsonFunctions(),
    ...listFunctions(),
    ...mapFunctions(),
    ...mathFunctions(),
    ...retryFunctions(),
    ...sysFunctions(),
    ...textFunctions(),
    ...timeFunctions(),
    ...uuidFunctions(),
  );
}

export { Stdlib } from './registry.js';
export type {
  FunctionContext,
  PureFunction,
  BlockingFunction,
  ConstantMember,
  StdlibMember,
} from './registry.js';

let shared: Stdlib | undefined;
/**
 * The registry the loader and the executor use unless given another: built on first use (not at
 * import time) and shared, since it holds no state.
 */
export function defaultStdlib(): Stdlib {
  return (shared ??= createStdlib());
}
