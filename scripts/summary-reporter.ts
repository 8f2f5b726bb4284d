import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints the plain closing line `N passed, N failed` that CI reads, preceded by the reason of
 * every skip that gave one (`ctx.skip(reason)`), once per reason: a skipped test says why.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: readonly TestModule[], unhandledErrors: readonly unknown[]): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const reasons = new Map<string, number>();
    for (const mod of testModules) {
      let failedHere = 0;
      for (const test of mod.children.allTests()) {
        const result = test.result();
        if (result.state === 'passed') passed++;
        else if (result.state === 'failed') failedHere++;
        else {
          skipped++;
          const note = result.state === 'skipped' ? result.note : undefined;
          if (note) reasons.set(note, (reasons.get(note) ?? 0) + 1);
        }
      }
      // A file that failed outside its tests (import error, beforeAll/afterAll hook) counts once.
      if (mod.state() === 'failed' && failedHere === 0) failedHere = 1;
      failed += failedHere;
    }
    failed += unhandledErrors.length;
    let out = '\n';
    for (const [reason, count] of reasons)
      out += `skipped ${count} test${count === 1 ? '' : 's'}: ${reason}\n`;
    out += `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`;
    process.stdout.write(out);
  }
}
