/** `json.*` (https://cloud.google.com/workflows/docs/reference/stdlib/json/encode). */
import { parseJson, stringifyJson, type StringifyJsonOptions } from '../values/json.js';
import { Bytes, type Value, type WfMap } from '../values/types.js';
import { typeError, valueError } from '../values/raised-error.js';
import { optional, param, pure, type StdlibMember } from './registry.js';

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();
const DEFAULT_INDENT = '    ';

function decode(data: Value): Value {
  let text: string;
  if (data instanceof Bytes) {
    try {
      text = utf8Decoder.decode(data.data);
    } catch {
      throw valueError('json.decode: the data is not valid UTF-8');
    }
  } else text = data as string;
  return parseJson(text);
}

/**
 * Map keys are written sorted (code-point order = UTF-8 byte order). Google leaves
 * json.encode's key order open (https://cloud.google.com/workflows/docs/reference/stdlib/json/encode),
 * but every observed serialisation by the service (execution results, error payloads,
 * re-serialised arguments) sorts keys, which points to one encoder over a sorted map representation. Sorting also
 * makes the output independent of how a map was built, which is what tests comparing
 * encoded text need.
 *
 * `indent` (official json.encode_to_string page): `true` = `{}`; a map has the optional
 * string attributes `prefix` (default "") and `indent` (default four spaces); `false`
 * or absent = compact.
 */
function encodeOptions(indent: Value): StringifyJsonOptions {
  if (indent === null || indent === false) return { sortKeys: true };
  if (indent === true) return { sortKeys: true, indent: DEFAULT_INDENT, prefix: '' };
  const m = indent as WfMap;
  for (const k of m.keys()) {
    if (k !== 'prefix' && k !== 'indent') throw valueError(`json.encode: unknown indent option "${k}"`);
  }
  const prefix = m.get('prefix') ?? '';
  const unit = m.get('indent') ?? DEFAULT_INDENT;
  if (typeof prefix !== 'string' || typeof unit !== 'string') {
    throw typeError('json.encode: indent.prefix and indent.indent must be strings');
  }
  return { sortKeys: true, indent: unit, prefix };
}

export function encodeJsonText(data: Value, indent: Value): string {
  return stringifyJson(data, encodeOptions(indent));
}

export function jsonFunctions(): StdlibMember[] {
  const indentParam = optional('indent', null, 'boolean', 'map');
  return [
    pure('json.decode', [param('data', 'bytes', 'string')], ([d]) => decode(d ?? null)),
    pure(
      'json.encode',
      [param('data'), indentParam],
      ([d, i]) => new Bytes(utf8Encoder.encode(encodeJsonText(d ?? null, i ?? null))),
    ),
    pure('json.encode_to_string', [param('data'), indentParam], ([d, i]) =>
      encodeJsonText(d ?? null, i ?? null),
    ),
  ];
}
