// Runs test files with mocha (bdd: describe/it) in this process and records the counts for
// test/run-all.mjs, which starts this in a child process per tier so that a tier's leftovers
// (open handles, globals) cannot leak into the next one.
//
//   node --enable-source-maps test/harness/mocha-tier.mjs --result FILE [--timeout MS] [--retries N] [--grep RE] FILE...
//
// Prints mocha's spec report; writes {"tests","passes","failures","pending"} to the result file;
// exits 1 if anything failed (a failing hook counts as a failure), 0 otherwise. It exits as soon
// as the run ends, as `mocha --exit` does.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const Mocha = require('mocha');

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    result: { type: 'string' },
    timeout: { type: 'string', default: '10000' },
    slow: { type: 'string', default: '1000' },
    retries: { type: 'string', default: '0' },
    grep: { type: 'string' },
  },
});

const mocha = new Mocha({
  ui: 'bdd',
  reporter: 'spec',
  color: process.stdout.isTTY === true,
  timeout: Number(values.timeout),
  slow: Number(values.slow),
  retries: Number(values.retries),
  ...(values.grep ? { grep: values.grep } : {}),
});
for (const f of positionals) mocha.addFile(path.resolve(f));

const record = (stats) => {
  if (values.result) fs.writeFileSync(values.result, JSON.stringify(stats));
};
try {
  await mocha.loadFilesAsync(); // .mjs test files (the UI tests) are ES modules
  const runner = mocha.run((failures) => {
    const s = runner.stats;
    record({ tests: s.tests, passes: s.passes, failures: s.failures, pending: s.pending });
    process.exit(failures ? 1 : 0);
  });
} catch (e) {
  // A file that does not even load (syntax error, missing import) is one failure, not zero tests.
  console.error(e && e.stack ? e.stack : e);
  record({ tests: 0, passes: 0, failures: 1, pending: 0 });
  process.exit(1);
}
