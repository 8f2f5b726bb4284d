/**
 * Data-driven stdlib cases: every `*.yaml` beside this file is a list of cases.
 *
 *   - call: text.split                # a pure function, called through the registry
 *     args: '["a,b,c", ","]'          # JSON text of the positional arguments (default [])
 *     named: '{"source": "a"}'        # or JSON text of named arguments (call-step form)
 *     result: '["a", "b", "c"]'       # JSON text of the expected value
 *     error: ValueError               # or the tag the call must raise
 *   - constant: retry.default_backoff
 *     result: '{...}'
 *
 * Values are JSON text so that `2` (integer) and `2.0` (double) stay distinct. Bytes are
 * written `{"$hex": "..."}`, `{"$b64": "..."}` or `{"$utf8": "..."}`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createStdlib } from '../../src/stdlib/index.js';
import { RaisedError } from '../../src/values/raised-error.js';
import { parseJson } from '../../src/values/json.js';
import { Bytes, type Value } from '../../src/values/types.js';
import { describeValue, strictValueEqual, testContext } from './support.js';

interface Case {
  call?: string;
  constant?: string;
  args?: string;
  named?: string;
  result?: string;
  error?: string;
  note?: string;
}

function decodeBytesTags(v: Value): Value {
  if (Array.isArray(v)) return v.map(decodeBytesTags);
  if (v instanceof Map) {
    if (v.size === 1) {
      const [[k, x]] = [...v] as [[string, Value]];
      if (typeof x === 'string') {
        if (k === '$hex') return new Bytes(new Uint8Array(Buffer.from(x, 'hex')));
        if (k === '$b64') return new Bytes(new Uint8Array(Buffer.from(x, 'base64')));
        if (k === '$utf8') return new Bytes(new TextEncoder().encode(x));
      }
    }
    return new Map([...v].map(([k, x]) => [k, decodeBytesTags(x)] as [string, Value]));
  }
  return v;
}

const fromJson = (text: string): Value => decodeBytesTags(parseJson(text));

const here = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

const stdlib = createStdlib();

function run(c: Case): Value {
  if (c.constant !== undefined) {
    const m = stdlib.get(c.constant);
    if (m?.kind !== 'constant') throw new Error(`${c.constant} is not a constant`);
    return m.value();
  }
  const fn = stdlib.get(c.call as string);
  if (fn?.kind !== 'pure') throw new Error(`${c.call} is not a pure function`);
  const args =
    c.named !== undefined
      ? stdlib.bindNamed(fn, fromJson(c.named) as Map<string, Value>)
      : stdlib.bindPositional(fn, c.args === undefined ? [] : (fromJson(c.args) as Value[]));
  return fn.impl(args, testContext());
}

describe.each(files)('%s', (file) => {
  const cases = parseYaml(readFileSync(join(here, file), 'utf8')) as Case[];
  it('has cases', () => {
    expect(cases.length).toBeGreaterThan(0);
  });
  for (const [i, c] of cases.entries()) {
    const title = `#${i + 1} ${c.call ?? c.constant}(${c.named ?? c.args?.slice(1, -1) ?? ''}) -> ${c.error ?? c.result}`;
    it(title, () => {
      if ((c.error === undefined) === (c.result === undefined))
        throw new Error('a case needs exactly one of result/error');
      if (c.error !== undefined) {
        let thrown: unknown;
        try {
          const got = run(c);
          thrown = new Error(`expected ${c.error}, got ${describeValue(got)}`);
        } catch (e) {
          thrown = e;
        }
        expect(thrown).toBeInstanceOf(RaisedError);
        expect((thrown as RaisedError).tags).toContain(c.error);
        return;
      }
      const got = run(c);
      const want = fromJson(c.result as string);
      if (!strictValueEqual(got, want)) {
        expect.fail(`got ${describeValue(got)}, want ${describeValue(want)}`);
      }
    });
  }
});
