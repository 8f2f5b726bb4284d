/**
 * Expression evaluation throughput: parse once, evaluate in a loop after a warm-up.
 * Run alone with `node --import tsx bench/expr.ts` (from packages/emulator) or via run.ts.
 */
import { pathToFileURL } from 'node:url';
import { evaluate, parseExpression, type EvalContext } from '../src/expr/index.js';
import type { Value } from '../src/values/types.js';
import { toDisplayString } from '../src/values/format.js';

interface Case {
  name: string;
  text: string;
  vars: Map<string, Value>;
  expected: Value;
}

const cases: Case[] = [
  {
    name: 'integer arithmetic and comparison',
    text: 'a + b * 2 > c',
    vars: new Map<string, Value>([
      ['a', 3],
      ['b', 4],
      ['c', 10],
    ]),
    expected: true,
  },
  {
    name: 'map/list access',
    text: 'm.items[i].price',
    vars: new Map<string, Value>([
      [
        'm',
        new Map<string, Value>([
          ['items', [new Map<string, Value>([['price', 5]]), new Map<string, Value>([['price', 7]])]],
        ]),
      ],
      ['i', 1],
    ]),
    expected: 7,
  },
];

function measure(c: Case, iterations: number): number {
  const expr = parseExpression(c.text);
  const vars = c.vars;
  const ctx: EvalContext = {
    lookup: (name) => vars.get(name),
    call: (name) => {
      throw new Error(`no functions in this benchmark: ${name}`);
    },
    constant: () => undefined,
  };
  let sink: Value = null;
  for (let i = 0; i < 200_000; i++) sink = evaluate(expr, ctx);
  if (sink !== c.expected) throw new Error(`${c.text} evaluated to ${toDisplayString(sink)}`);
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink = evaluate(expr, ctx);
  const ns = Number(process.hrtime.bigint() - start);
  if (sink !== c.expected) throw new Error(`${c.text} evaluated to ${toDisplayString(sink)}`);
  return (iterations / ns) * 1e9;
}

export function runExprBench(iterations = 5_000_000): void {
  console.log('expr: evaluations per second');
  for (const c of cases) {
    const rate = measure(c, iterations);
    console.log(`  ${c.name.padEnd(36)} ${c.text.padEnd(20)} ${Math.round(rate).toLocaleString('en-US')}/s`);
  }
}

// Run when executed directly, not when imported by run.ts.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) runExprBench();
