/** `base64.*` (https://cloud.google.com/workflows/docs/reference/stdlib/base64/encode): standard alphabet, padding on by default. */
import { Buffer } from 'node:buffer';
import { Bytes, type Value } from '../values/types.js';
import { valueError } from '../values/raised-error.js';
import { optional, param, pure, type StdlibMember } from './registry.js';

const ALPHABET = /^[A-Za-z0-9+/]*$/;

function encode(data: Bytes, padding: boolean): string {
  const s = Buffer.from(data.data.buffer, data.data.byteOffset, data.data.byteLength).toString('base64');
  return padding ? s : s.replace(/=+$/, '');
}

/**
 * Validates before decoding because Node's decoder silently skips invalid characters.
 * The rules follow Go's StdEncoding/RawStdEncoding, whose decoder also ignores `\r` and
 * `\n` (https://cloud.google.com/workflows/docs/reference/stdlib/base64/decode): with padding the length must be a multiple
 * of 4; without padding `=` is not allowed and a lone trailing character is invalid.
 */
function decode(text: string, padding: boolean): Bytes {
  const s = text.replace(/[\r\n]/g, '');
  let body = s;
  if (padding) {
    if (s.length % 4 !== 0)
      throw valueError('base64.decode: input length is not a multiple of 4 (missing padding?)');
    const m = /={1,2}$/.exec(s);
    if (m) body = s.slice(0, s.length - m[0].length);
  }
  if (!ALPHABET.test(body)) throw valueError('base64.decode: illegal base64 data');
  if (body.length % 4 === 1) throw valueError('base64.decode: illegal base64 data (truncated input)');
  return new Bytes(new Uint8Array(Buffer.from(body, 'base64')));
}

export function base64Functions(): StdlibMember[] {
  return [
    pure('base64.encode', [param('data', 'bytes'), optional('padding', true, 'boolean')], ([d, p]): Value =>
      encode(d as Bytes, p !== false),
    ),
    pure('base64.decode', [param('data', 'string'), optional('padding', true, 'boolean')], ([d, p]): Value =>
      decode(d as string, p !== false),
    ),
  ];
}
