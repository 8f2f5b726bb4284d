/** `sys.*` (reference §3.11). `sleep`, `sleep_until` and `log` block; the executor implements them. */
import { Double } from '../values/types.js';
import { blocking, NUMBER, optional, param, pure, type StdlibMember } from './registry.js';

export function sysFunctions(): StdlibMember[] {
  return [
    pure('sys.now', [], (_args, ctx) => new Double(ctx.clock.now() / 1000)),
    // An unset name without a default is null: the official page lists only TypeError (reference §3.11).
    pure(
      'sys.get_env',
      [param('name', 'string'), optional('default', null, 'string')],
      ([name, dflt], ctx) => ctx.env(name as string) ?? dflt ?? null,
    ),
    blocking('sys.sleep', [param('seconds', ...NUMBER)]),
    blocking('sys.sleep_until', [param('time', 'string')]),
    // Exactly one of data/text/json; the executor checks that and the severity name.
    blocking('sys.log', [
      optional('data', null),
      optional('severity', 'DEFAULT', 'string'),
      optional('text', null),
      optional('json', null),
      optional('timeout', null, ...NUMBER),
    ]),
  ];
}
