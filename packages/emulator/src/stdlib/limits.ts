/** Limits of standard-library functions (https://cloud.google.com/workflows/quotas). */

/** `http.*` time-out when none is given, and the largest one accepted (https://cloud.google.com/workflows/docs/reference/stdlib/http/request). */
export const HTTP_DEFAULT_TIMEOUT_S = 300;
export const HTTP_MAX_TIMEOUT_S = 1800;
/** `sys.sleep` at most a year (https://cloud.google.com/workflows/docs/reference/stdlib/sys/sleep). */
export const SLEEP_MAX_S = 31_536_000;
/** `events.await_callback` waits 12 hours by default (https://cloud.google.com/workflows/docs/reference/stdlib/events/await_callback). */
export const CALLBACK_DEFAULT_TIMEOUT_S = 43_200;
