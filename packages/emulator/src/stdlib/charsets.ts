/**
 * Text <-> bytes for `text.decode` / `text.encode` (https://cloud.google.com/workflows/docs/reference/stdlib/overview): IANA charset names,
 * case-insensitive. TextDecoder alone is not enough: WHATWG maps `ISO-8859-1` and
 * `US-ASCII` to windows-1252 (wrong for bytes 0x80-0x9F and >0x7F), `UTF-16` to
 * little-endian without BOM detection, and TextEncoder only writes UTF-8.
 */
import { valueError } from '../values/raised-error.js';

type Decoder = InstanceType<typeof TextDecoder>;
type Charset = 'utf-8' | 'utf-16' | 'utf-16be' | 'utf-16le' | 'iso-8859-1' | 'us-ascii' | 'windows-1252';

const ALIASES: ReadonlyMap<string, Charset> = new Map<string, Charset>([
  ['utf-8', 'utf-8'],
  ['utf8', 'utf-8'],
  ['utf-16', 'utf-16'],
  ['utf16', 'utf-16'],
  ['utf-16be', 'utf-16be'],
  ['utf-16le', 'utf-16le'],
  ['iso-8859-1', 'iso-8859-1'],
  ['iso_8859-1', 'iso-8859-1'],
  ['iso8859-1', 'iso-8859-1'],
  ['iso_8859-1:1987', 'iso-8859-1'],
  ['latin1', 'iso-8859-1'],
  ['l1', 'iso-8859-1'],
  ['iso-ir-100', 'iso-8859-1'],
  ['ibm819', 'iso-8859-1'],
  ['cp819', 'iso-8859-1'],
  ['csisolatin1', 'iso-8859-1'],
  ['us-ascii', 'us-ascii'],
  ['ascii', 'us-ascii'],
  ['iso646-us', 'us-ascii'],
  ['ansi_x3.4-1968', 'us-ascii'],
  ['us', 'us-ascii'],
  ['csascii', 'us-ascii'],
  ['windows-1252', 'windows-1252'],
  ['cp1252', 'windows-1252'],
]);

function resolve(name: string): Charset | undefined {
  return ALIASES.get(name.trim().toLowerCase());
}

function decoder(label: string): Decoder {
  // ignoreBOM keeps a BOM as text, as a byte-exact decoder does; only `UTF-16` consumes it (below).
  return new TextDecoder(label, { fatal: true, ignoreBOM: true });
}

// Bytes 0x80-0x9F of windows-1252 (WHATWG index; the five unassigned bytes map to C1
// controls). Written out because Node's windows-1252 TextDecoder decodes them as Latin-1.
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d,
  0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a,
  0x153, 0x9d, 0x17e, 0x178,
];

let cp1252Table: string[] | undefined;
function windows1252Table(): string[] {
  cp1252Table ??= Array.from({ length: 256 }, (_, b) =>
    String.fromCharCode(b >= 0x80 && b < 0xa0 ? (CP1252_HIGH[b - 0x80] as number) : b),
  );
  return cp1252Table;
}

function badBytes(charset: string): never {
  throw valueError(`text.decode: the data is not valid ${charset}`);
}

export function decodeText(data: Uint8Array, charsetName: string): string {
  const cs = resolve(charsetName);
  try {
    switch (cs) {
      case 'utf-8':
        return decoder('utf-8').decode(data);
      case 'utf-16be':
        return decoder('utf-16be').decode(data);
      case 'utf-16le':
        return decoder('utf-16le').decode(data);
      case 'utf-16': {
        // RFC 2781: a BOM selects the byte order and is not part of the text; without one, big-endian.
        if (data[0] === 0xff && data[1] === 0xfe) return decoder('utf-16le').decode(data.subarray(2));
        if (data[0] === 0xfe && data[1] === 0xff) return decoder('utf-16be').decode(data.subarray(2));
        return decoder('utf-16be').decode(data);
      }
      case 'iso-8859-1': {
        let s = '';
        for (const b of data) s += String.fromCharCode(b);
        return s;
      }
      case 'us-ascii': {
        let s = '';
        for (const b of data) {
          if (b > 0x7f) badBytes('US-ASCII');
          s += String.fromCharCode(b);
        }
        return s;
      }
      case 'windows-1252': {
        const table = windows1252Table();
        let s = '';
        for (const b of data) s += table[b] as string;
        return s;
      }
      case undefined:
        break;
    }
  } catch (e) {
    if (e instanceof TypeError) badBytes(charsetName);
    throw e;
  }
  // Other IANA names (Shift_JIS, ISO-8859-2, GBK...) that the ICU decoder knows.
  let d: Decoder;
  try {
    d = decoder(charsetName.trim());
  } catch {
    throw valueError(`text.decode: unsupported charset "${charsetName}"`);
  }
  try {
    return d.decode(data);
  } catch {
    return badBytes(charsetName);
  }
}

function utf16(text: string, bigEndian: boolean, bom: boolean): Uint8Array {
  const out = new Uint8Array(text.length * 2 + (bom ? 2 : 0));
  const view = new DataView(out.buffer);
  let o = 0;
  if (bom) {
    view.setUint16(0, 0xfeff, !bigEndian);
    o = 2;
  }
  for (let i = 0; i < text.length; i++, o += 2) view.setUint16(o, text.charCodeAt(i), !bigEndian);
  return out;
}

function singleByte(text: string, name: string, byteOf: (cp: number) => number | undefined): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    const b = byteOf(ch.codePointAt(0) as number);
    if (b === undefined)
      throw valueError(`text.encode: the text contains a character that ${name} cannot represent`);
    out.push(b);
  }
  return new Uint8Array(out);
}

let cp1252Reverse: Map<number, number> | undefined;
function windows1252Reverse(): Map<number, number> {
  if (!cp1252Reverse) {
    cp1252Reverse = new Map();
    windows1252Table().forEach((ch, b) => cp1252Reverse?.set(ch.codePointAt(0) as number, b));
  }
  return cp1252Reverse;
}

export function encodeText(text: string, charsetName: string): Uint8Array {
  switch (resolve(charsetName)) {
    case 'utf-8':
      return new TextEncoder().encode(text);
    case 'utf-16':
      // [?] Like Java and ICU: a big-endian BOM, then big-endian units.
      return utf16(text, true, true);
    case 'utf-16be':
      return utf16(text, true, false);
    case 'utf-16le':
      return utf16(text, false, false);
    case 'iso-8859-1':
      return singleByte(text, 'ISO-8859-1', (cp) => (cp <= 0xff ? cp : undefined));
    case 'us-ascii':
      return singleByte(text, 'US-ASCII', (cp) => (cp <= 0x7f ? cp : undefined));
    case 'windows-1252':
      return singleByte(text, 'windows-1252', (cp) => windows1252Reverse().get(cp));
    case undefined:
      throw valueError(`text.encode: unsupported charset "${charsetName}"`);
  }
}
