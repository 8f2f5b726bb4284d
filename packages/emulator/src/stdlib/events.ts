/** `events.*` (reference §3.2): callbacks. Both functions block; the executor implements them. */
import { Double } from '../values/types.js';
import { blocking, NUMBER, optional, param, type StdlibMember } from './registry.js';

export function eventsFunctions(): StdlibMember[] {
  return [
    blocking('events.create_callback_endpoint', [optional('http_callback_method', 'POST', 'string')]),
    blocking('events.await_callback', [
      param('callback', 'map'),
      optional('timeout', new Double(43200), ...NUMBER),
    ]),
  ];
}
