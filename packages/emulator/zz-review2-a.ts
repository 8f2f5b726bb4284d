import { run } from './test/runtime/harness.js';
async function ev(expr: string) {
  const src = JSON.stringify({ main: { steps: [{ r: { return: '${' + expr + '}' } }] } });
  try {
    const r = await run(src);
    const o: any = r.outcome;
    console.log(expr.padEnd(60), '=>', o.state === 'SUCCEEDED' ? o.result : 'FAIL ' + o.error.payload);
  } catch (e: any) { console.log(expr.padEnd(60), '=> LOADERR', e.message.split('\n').slice(0,3).join(' | ')); }
}
const exprs = process.argv.slice(2).length ? process.argv.slice(2) : [
 'time.format(0)', 'time.format(1720788633)', 'time.format(1720788633.5)', 'time.format(1720788633.123456789)',
 'time.format(1720788633, "Europe/Berlin")', 'time.format(1720788633, "Asia/Kolkata")', 'time.format(1720788633, "America/St_Johns")',
 'time.format(1704067200, "Europe/Berlin")', 'time.format(1720788633, "Asia/Kathmandu")', 'time.format(1720788633, "")', 'time.format(1720788633, "UTC")',
 'time.format(-1.5)', 'time.format(1720788633, "Bad/Zone")',
 'time.parse("2024-05-08T12:01:00.000000Z")', 'time.parse("2024-05-08T12:01:00Z")', 'time.parse("2024-05-08T14:01:00+02:00")',
 'time.parse("2024-05-08T12:01:00.5Z")', 'time.parse("2024-05-08T12:01:00.123456Z")', 'time.parse("2024-05-08T12:01:00.123456789Z")','time.parse("2024-05-08T12:01:00-05:30")','time.parse("2024-05-08t12:01:00z")', 'time.parse("bad")',
 'text.substring("héllo wörld", 1, 4)', 'text.substring("😀abc😀", 1, 3)', 'text.substring("hello", -3, 10)', 'text.substring("hello", 3, 1)',
 'text.find_all("😀a😀a", "a")', 'text.find_all("00000","00")', 'text.find_all_regex("é😀ab", "a|b")', 'text.find_all_regex("aaa", "a*")','text.find_all_regex("xabcx", "a|ab|abc")',
 'text.split("a😀b😀c", "😀")', 'text.split("baaab","aa")', 'text.split("abc","c")', 'text.split("abc","")',
 'len("😀é")', 'text.to_upper("straße")', 'text.replace_all("abc","","-")', 'text.replace_all_regex("abc","","-")','text.replace_all_regex("abc","(b)","\\\\1")','text.replace_all_regex("aaa","a*","-")',
 'text.url_encode("a/b/c?item=d+e f")', 'text.url_encode_plus("a/b/c?item=d+e f")', 'text.url_decode("a%2Fb%2Fc%3Fitem%3Dd%2Be")', 'text.url_encode("~é*")', 'text.url_decode("a+b%zz")', 'text.url_decode("%E2%82%AC+x")','text.url_decode("%")',
 'text.match_regex("HelloWorld","Hello|Goodbye")',
];
for (const e of exprs) await ev(e);
