export { realClock, silentLogger, type Clock } from '../src/runtime/seams.js';
export type { RuntimeDeps as RuntimeDepsLike } from '../src/runtime/api.js';
