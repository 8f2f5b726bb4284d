/**
 * `sys.*` (https://cloud.google.com/workflows/docs/reference/stdlib/sys/overview): `now` and
 * `get_env` are pure; `sleep`, `sleep_until` and `log` block.
 */
import { LOG_SEVERITIES, type LogSeverity } from '../values/seams.js';
import { SLEEP_MAX_S } from './limits.js';
import { typeError, valueError } from '../values/raised-error.js';
import { toDisplayString } from '../values/format.js';
import { Double, toJsNumber, typeName, type Value } from '../values/types.js';
import { blocking, NUMBER, optional, param, pure, type CallContext, type StdlibMember } from './registry.js';
import { parseTime } from './time.js';

const SEVERITIES: ReadonlySet<string> = new Set(LOG_SEVERITIES);

export function sysFunctions(): StdlibMember[] {
  return [
    pure('sys.now', [], (_args, ctx) => new Double(ctx.clock.now() / 1000)),
    // An unset name without a default is null: Google's page
    // (https://cloud.google.com/workflows/docs/reference/stdlib/sys/get_env) lists only TypeError.
    pure(
      'sys.get_env',
      [param('name', 'string'), optional('default', null, 'string')],
      ([name, dflt], ctx) => ctx.env(name as string) ?? dflt ?? null,
    ),
    blocking('sys.sleep', [param('seconds', ...NUMBER)], async ([seconds], ctx) => {
      // The registry has checked the type (integer or double).
      const s = toJsNumber(seconds as number | bigint | Double);
      if (!(s >= 0) || s > SLEEP_MAX_S)
        throw valueError(`sys.sleep: seconds must be between 0 and ${SLEEP_MAX_S}`);
      await ctx.clock.sleep(s * 1000, ctx.signal);
      return null;
    }),
    blocking('sys.sleep_until', [param('time', 'string')], async ([time], ctx) => {
      const when = parseTime(time as string) as Double;
      const ms = when.value * 1000 - ctx.clock.now();
      if (ms > SLEEP_MAX_S * 1000) throw valueError('sys.sleep_until: time is more than one year ahead');
      if (ms > 0) await ctx.clock.sleep(ms, ctx.signal);
      return null;
    }),
    // Exactly one of data/text/json, and a known severity: checked in sysLog.
    blocking(
      'sys.log',
      [
        optional('data', null),
        optional('severity', 'DEFAULT', 'string'),
        optional('text', null),
        optional('json', null),
        optional('timeout', null, ...NUMBER),
      ],
      async (args, ctx) => {
        sysLog(args, ctx);
        return null;
      },
    ),
  ];
}

function sysLog(args: Value[], ctx: CallContext): void {
  const [data, severity, text, json] = args as [Value, Value, Value, Value];
  const given = [data, text, json].filter((v) => v !== null);
  if (given.length !== 1) throw typeError('sys.log: exactly one of data, text or json must be given');
  const sev = typeof severity === 'string' ? severity.toUpperCase() : 'DEFAULT';
  if (!SEVERITIES.has(sev))
    throw valueError(
      `sys.log: unknown severity '${typeof severity === 'string' ? severity : typeName(severity)}'`,
    );
  let payload: Value = given[0] as Value;
  if (text !== null && typeof text !== 'string') payload = toDisplayString(text);
  ctx.logger.log({
    severity: sev as LogSeverity,
    payload,
    executionId: ctx.origin.executionId,
    workflowId: ctx.origin.workflowId,
    timestamp: new Date(ctx.clock.now()),
  });
}
