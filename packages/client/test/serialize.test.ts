import './setup.js';
import { describe, expect, it } from 'vitest';
import { InvalidWorkflowArgumentsError } from '../src/errors.js';
import { MAX_ARGUMENT_BYTES, serializeArguments, toJsonValue } from '../src/serialize.js';

function failure(args: unknown): InvalidWorkflowArgumentsError {
  try {
    serializeArguments(args);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidWorkflowArgumentsError);
    return error as InvalidWorkflowArgumentsError;
  }
  throw new Error('expected serializeArguments to throw');
}

describe('serializeArguments', () => {
  it('leaves the argument out when there are no arguments', () => {
    expect(serializeArguments(undefined)).toBeUndefined();
  });

  it('serialises plain JSON values unchanged, keeping key order', () => {
    expect(serializeArguments({ orderId: 12345, items: ['a'], ok: true, none: null, x: 1.5 })).toBe(
      '{"orderId":12345,"items":["a"],"ok":true,"none":null,"x":1.5}',
    );
    expect(serializeArguments({})).toBe('{}');
    expect(serializeArguments(null)).toBe('null');
    expect(serializeArguments('text')).toBe('"text"');
    expect(serializeArguments([1, 'two'])).toBe('[1,"two"]');
  });

  it('turns a Date into an ISO 8601 string, also nested', () => {
    const when = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678));
    expect(serializeArguments({ when, list: [when] })).toBe(
      '{"when":"2024-01-02T03:04:05.678Z","list":["2024-01-02T03:04:05.678Z"]}',
    );
  });

  it('turns a Map into an object and a Set into an array', () => {
    const map = new Map<string | number, unknown>([
      ['a', 1],
      [2, new Set(['x', 'y'])],
    ]);
    // Integer-like keys come first in any JS object (and so in JSON.stringify); the service sorts keys anyway.
    expect(serializeArguments({ map })).toBe('{"map":{"2":["x","y"],"a":1}}');
  });

  it('drops undefined object and Map members, and writes null for undefined array items', () => {
    expect(
      serializeArguments({ a: undefined, b: 1, m: new Map([['gone', undefined]]), l: [undefined, 2] }),
    ).toBe('{"b":1,"m":{},"l":[null,2]}');
  });

  it('honours toJSON', () => {
    const money = { amount: 5, toJSON: () => '5.00 EUR' };
    expect(serializeArguments({ money })).toBe('{"money":"5.00 EUR"}');
  });

  it('keeps __proto__ as an ordinary key', () => {
    const args = JSON.parse('{"__proto__":{"polluted":true}}') as unknown;
    expect(serializeArguments(args)).toBe('{"__proto__":{"polluted":true}}');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('counts the 32 KB limit in UTF-8 bytes', () => {
    const exact = 'a'.repeat(MAX_ARGUMENT_BYTES - 2); // two quote characters
    expect(serializeArguments(exact)).toHaveLength(MAX_ARGUMENT_BYTES);
    expect(failure('a'.repeat(MAX_ARGUMENT_BYTES - 1)).message).toMatch(/32769 bytes.*32768/);
    // 'é' is two bytes: 16,384 characters are 32,768 bytes plus quotes.
    expect(failure('é'.repeat(16_384)).message).toMatch(/over the service's limit/);
  });

  it.each([
    ['a function', { f: () => 1 }, ['f'], /args\.f is a function/],
    ['a symbol', { s: Symbol('x') }, ['s'], /is a symbol/],
    ['a BigInt', { n: [1n] }, ['n', 0], /args\.n\[0\] is a BigInt/],
    ['NaN', { x: Number.NaN }, ['x'], /NaN/],
    ['Infinity', { x: Number.POSITIVE_INFINITY }, ['x'], /Infinity/],
    ['an invalid Date', { d: new Date('nope') }, ['d'], /invalid Date/],
    ['binary data', { b: new Uint8Array([1]) }, ['b'], /binary/],
    ['a Map with an object key', { m: new Map([[{}, 1]]) }, ['m'], /Map key of type object/],
  ])('rejects %s, naming where it is', (_label, args, path, message) => {
    const error = failure(args);
    expect(error.path).toEqual(path);
    expect(error.message).toMatch(message);
  });

  it('rejects a cycle but accepts a shared (non-cyclic) reference', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    expect(failure({ cyclic }).message).toMatch(/args\.cyclic\.self contains a circular reference/);
    const shared = { v: 1 };
    expect(serializeArguments({ x: shared, y: shared })).toBe('{"x":{"v":1},"y":{"v":1}}');
  });

  it('treats a top-level function as an error, not as "no arguments"', () => {
    expect(() => toJsonValue(() => 1)).toThrow(InvalidWorkflowArgumentsError);
  });
});
