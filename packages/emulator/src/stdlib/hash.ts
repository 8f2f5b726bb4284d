/** `hash.*` (https://cloud.google.com/workflows/docs/reference/stdlib/hash/compute_checksum): digests and HMACs of bytes, via node:crypto. */
import { createHash, createHmac } from 'node:crypto';
import { Bytes, type Value } from '../values/types.js';
import { valueError } from '../values/raised-error.js';
import { param, pure, type StdlibMember } from './registry.js';

// Documented names only, matched exactly (a lenient match would hide a typo that fails in Cloud).
const ALGORITHMS: ReadonlyMap<string, string> = new Map([
  ['MD5', 'md5'],
  ['SHA1', 'sha1'],
  ['SHA224', 'sha224'],
  ['SHA256', 'sha256'],
  ['SHA384', 'sha384'],
  ['SHA512', 'sha512'],
]);

function nodeAlgorithm(name: string): string {
  const a = ALGORITHMS.get(name);
  if (!a) {
    throw valueError(
      `unsupported hash algorithm "${name}"; expected one of ${[...ALGORITHMS.keys()].join(', ')}`,
    );
  }
  return a;
}

export function hashFunctions(): StdlibMember[] {
  return [
    pure('hash.compute_checksum', [param('data', 'bytes'), param('algorithm', 'string')], ([d, a]): Value => {
      const h = createHash(nodeAlgorithm(a as string));
      h.update((d as Bytes).data);
      return new Bytes(new Uint8Array(h.digest()));
    }),
    pure(
      'hash.compute_hmac',
      [param('key', 'bytes'), param('data', 'bytes'), param('algorithm', 'string')],
      ([k, d, a]): Value => {
        const h = createHmac(nodeAlgorithm(a as string), (k as Bytes).data);
        h.update((d as Bytes).data);
        return new Bytes(new Uint8Array(h.digest()));
      },
    ),
  ];
}
