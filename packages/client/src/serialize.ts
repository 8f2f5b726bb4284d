import { InvalidWorkflowArgumentsError } from './errors.js';

/** The service rejects an execution argument over 32 KB (https://cloud.google.com/workflows/quotas), measured as UTF-8 bytes. */
export const MAX_ARGUMENT_BYTES = 32 * 1024;

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
type Path = (string | number)[];

function describePath(path: Path): string {
  if (path.length === 0) return 'the arguments';
  let text = 'args';
  for (const key of path) {
    text +=
      typeof key === 'number'
        ? `[${key}]`
        : /^[A-Za-z_$][\w$]*$/.test(key)
          ? `.${key}`
          : `[${JSON.stringify(key)}]`;
  }
  return text;
}

function fail(reason: string, path: Path): never {
  throw new InvalidWorkflowArgumentsError(
    `Failed to serialize workflow arguments: ${describePath(path)} ${reason}`,
    {
      path: [...path],
    },
  );
}

/**
 * Converts arguments to the JSON value the service will receive, the way callers expect from
 * `JSON.stringify` plus django-gcp's encoder: `Date` → ISO 8601 string, `Map` → object, `Set` →
 * array, `toJSON()` honoured, `undefined` object members dropped (and `null` inside arrays, as
 * `JSON.stringify` does). Unlike `JSON.stringify`, nothing is lost silently: functions, symbols,
 * `BigInt`, non-finite numbers, binary buffers and cycles are errors.
 */
export function toJsonValue(value: unknown): JsonValue {
  const ancestors = new Set<object>();
  const path: Path = [];

  const visit = (input: unknown, holderKey: string): JsonValue | undefined => {
    let current = input;
    if (current instanceof Date) {
      if (Number.isNaN(current.getTime())) fail('is an invalid Date', path);
      return current.toISOString();
    }
    if (
      typeof current === 'object' &&
      current !== null &&
      !(current instanceof Map) &&
      !(current instanceof Set) &&
      typeof (current as { toJSON?: unknown }).toJSON === 'function'
    ) {
      current = (current as { toJSON: (key: string) => unknown }).toJSON(holderKey);
    }
    switch (typeof current) {
      case 'undefined':
        return undefined;
      case 'string':
      case 'boolean':
        return current;
      case 'number':
        if (!Number.isFinite(current)) fail(`is ${current}, which JSON cannot represent`, path);
        return current;
      case 'bigint':
        fail('is a BigInt; convert it to a number or a string', path);
      // eslint-disable-next-line no-fallthrough -- fail() never returns
      case 'function':
        fail('is a function', path);
      // eslint-disable-next-line no-fallthrough
      case 'symbol':
        fail('is a symbol', path);
      // eslint-disable-next-line no-fallthrough
      case 'object':
        break;
    }
    if (current === null) return null;
    const object = current;
    if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer) {
      fail('is binary data; encode it (for example as base64) first', path);
    }
    if (ancestors.has(object)) fail('contains a circular reference', path);
    ancestors.add(object);
    try {
      if (Array.isArray(object) || object instanceof Set) {
        const out: JsonValue[] = [];
        let index = 0;
        for (const item of object as Iterable<unknown>) {
          path.push(index);
          out.push(visit(item, String(index)) ?? null);
          path.pop();
          index += 1;
        }
        return out;
      }
      const out: { [key: string]: JsonValue } = {};
      const entries: Iterable<[unknown, unknown]> =
        object instanceof Map ? object.entries() : Object.entries(object as Record<string, unknown>);
      for (const [rawKey, item] of entries) {
        if (typeof rawKey !== 'string' && typeof rawKey !== 'number') {
          fail(`has a Map key of type ${typeof rawKey}; only string and number keys map to JSON`, path);
        }
        const key = String(rawKey);
        path.push(key);
        const converted = visit(item, key);
        path.pop();
        // defineProperty: a key such as "__proto__" must stay an ordinary member.
        if (converted !== undefined) {
          Object.defineProperty(out, key, {
            value: converted,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
      }
      return out;
    } finally {
      ancestors.delete(object);
    }
  };

  const result = visit(value, '');
  // A top-level `undefined` means "no arguments"; callers check for that before serialising.
  return result === undefined ? null : result;
}

/**
 * The `argument` field of a create-execution request: JSON text, or `undefined` for no arguments
 * (then the field is left out and the workflow's parameter is `null`, as with django-gcp).
 */
export function serializeArguments(args: unknown): string | undefined {
  if (args === undefined) return undefined;
  const text = JSON.stringify(toJsonValue(args));
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_ARGUMENT_BYTES) {
    throw new InvalidWorkflowArgumentsError(
      `Failed to serialize workflow arguments: the JSON is ${bytes} bytes, over the service's limit of ${MAX_ARGUMENT_BYTES} bytes (32 KB)`,
    );
  }
  return text;
}
