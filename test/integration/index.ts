// The mocha entry point the extension host loads (extensionTestsPath): runs every
// out/test/integration/*.test.js bundled next to this file, inside the real VS Code.
// Closes with `N passed, N failed[, N skipped]`, which test/run-all.mjs counts.
// RUNLENS_TEST_GREP (set by `node test/run-all.mjs integration --grep RE`) narrows the run.
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    reporter: 'spec',
    color: false,
    // The first test pays for activating RunLens (sql.js, the first scan); 30 s is far above that.
    timeout: 30000,
    slow: 2000,
    ...(process.env.RUNLENS_TEST_GREP ? { grep: process.env.RUNLENS_TEST_GREP } : {}),
  });
  for (const f of fs.readdirSync(__dirname).sort()) {
    if (f.endsWith('.test.js')) mocha.addFile(path.join(__dirname, f));
  }
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const s = runner.stats!;
      console.log(`${s.passes} passed, ${s.failures} failed${s.pending ? `, ${s.pending} skipped` : ''}`);
      if (failures > 0) reject(new Error(`${failures} integration tests failed`));
      else resolve();
    });
  });
}
