/**
 * Loads every workflow file in a directory through the emulator's deploy-time validation and
 * reports which ones are rejected. Used to check Google's public samples
 * (GoogleCloudPlatform/workflows-samples), which are not vendored in this repository:
 *
 *   node --import tsx scripts/check-samples.ts /path/to/workflows-samples/src
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { formatProblems, loadWorkflow } from '../packages/emulator/src/source/index.js';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: check-samples.ts DIR');
  process.exit(2);
}

function* files(d: string): Generator<string> {
  for (const name of readdirSync(d).sort()) {
    const p = path.join(d, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (/\.(ya?ml|json)$/.test(name)) yield p;
  }
}

let ok = 0;
let rejected = 0;
for (const file of files(dir)) {
  const result = loadWorkflow(readFileSync(file, 'utf8'));
  if (result.ok) ok++;
  else {
    rejected++;
    console.log(`REJECTED ${path.relative(dir, file)}\n${formatProblems(result.problems)}\n`);
  }
}
console.log(`${ok} deployed, ${rejected} rejected`);
