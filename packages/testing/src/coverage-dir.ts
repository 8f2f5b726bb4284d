/** Where workflow coverage reports go by default (beside vitest's own `coverage/`). */
export const DEFAULT_COVERAGE_DIR = 'coverage/workflows';
