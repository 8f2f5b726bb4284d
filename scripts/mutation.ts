/**
 * Mutation testing of the emulator's core, one folder at a time (`pnpm test:mutation`):
 *
 *   pnpm test:mutation                 # values, expr, stdlib, runtime, source
 *   pnpm test:mutation values expr     # only these folders
 *
 * For each folder of packages/emulator/src, Stryker (stryker.config.mjs) mutates its files, runs
 * the emulator's tests that cover each mutant (vitest.mutation.config.ts) and records the result
 * in reports/mutation/<folder>/ (an HTML report, mutation.json, and the incremental file that
 * lets the next run skip mutants whose code and tests did not change). The closing table prints,
 * per folder, the mutation score: killed (a test failed, or timed out) out of killed + survived
 * + not covered. Mutants listed in packages/emulator/test/mutation-survivors.md as equivalent are not counted
 * against the score in the adjusted column. Long: it is not part of `.ci/run`.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Stryker } from '@stryker-mutator/core';

type MutantResult = Awaited<ReturnType<Stryker['runMutationTest']>>[number];

export const FOLDERS = ['values', 'expr', 'stdlib', 'runtime', 'source'] as const;

interface FolderScore {
  folder: string;
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  invalid: number;
  accepted: number;
}

/** `file:line:column` of every mutant that packages/emulator/test/mutation-survivors.md accepts as equivalent. */
export function acceptedSurvivors(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/^\|\s*`(packages\/emulator\/src\/[^`]+:\d+:\d+)`/gm)) out.add(m[1]!);
  return out;
}

function score(folder: string, results: readonly MutantResult[], accepted: Set<string>): FolderScore {
  const s: FolderScore = {
    folder,
    killed: 0,
    timeout: 0,
    survived: 0,
    noCoverage: 0,
    invalid: 0,
    accepted: 0,
  };
  for (const r of results) {
    switch (r.status) {
      case 'Killed':
        s.killed++;
        break;
      case 'Timeout':
        s.timeout++;
        break;
      case 'Survived':
      case 'NoCoverage': {
        const at = `${relative(process.cwd(), r.fileName)}:${r.location.start.line}:${r.location.start.column + 1}`;
        if (accepted.has(at)) s.accepted++;
        else if (r.status === 'Survived') s.survived++;
        else s.noCoverage++;
        break;
      }
      default:
        s.invalid++; // CompileError, RuntimeError, Ignored, Pending
    }
  }
  return s;
}

const percent = (n: number, d: number): string => (d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(1)}%`);

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => !(FOLDERS as readonly string[]).includes(a));
  if (unknown.length > 0) {
    console.error(`unknown folder(s): ${unknown.join(', ')}; choose from ${FOLDERS.join(', ')}`);
    process.exit(2);
  }
  const folders = args.length > 0 ? args : [...FOLDERS];
  let acceptedText = '';
  try {
    acceptedText = readFileSync('packages/emulator/test/mutation-survivors.md', 'utf8');
  } catch {
    // no accepted survivors yet
  }
  const accepted = acceptedSurvivors(acceptedText);
  const scores: FolderScore[] = [];
  for (const folder of folders) {
    const dir = join('reports', 'mutation', folder);
    mkdirSync(dir, { recursive: true });
    console.log(`\n=== mutation testing packages/emulator/src/${folder} ===`);
    const stryker = new Stryker({
      configFile: 'stryker.config.mjs',
      mutate: [`packages/emulator/src/${folder}/**/*.ts`],
      incrementalFile: join(dir, 'stryker-incremental.json'),
      htmlReporter: { fileName: join(dir, 'index.html') },
      jsonReporter: { fileName: join(dir, 'mutation.json') },
    });
    const results = await stryker.runMutationTest();
    scores.push(score(`packages/emulator/src/${folder}`, results, accepted));
  }
  console.log(
    '\nfolder                          score   adjusted  killed  timeout  survived  no cover  accepted',
  );
  for (const s of scores) {
    const detected = s.killed + s.timeout;
    const all = detected + s.survived + s.noCoverage + s.accepted;
    console.log(
      `${s.folder.padEnd(30)} ${percent(detected, all).padStart(6)} ${percent(detected, all - s.accepted).padStart(9)}` +
        ` ${String(s.killed).padStart(7)} ${String(s.timeout).padStart(8)} ${String(s.survived).padStart(9)}` +
        ` ${String(s.noCoverage).padStart(9)} ${String(s.accepted).padStart(9)}`,
    );
  }
}

await main();
