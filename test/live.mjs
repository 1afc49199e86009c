#!/usr/bin/env node
// npm run test:live: the tests that follow a real MLflow tracking server, when
// RUNLENS_TEST_MLFLOW_URI names one (the unit tier's live tests, the Python client's tests, and the
// integration tests in the real VS Code, all against that server); without it, a notice that they
// were skipped. CI has no MLflow: there the recorded traffic stands in (the contract tests of the
// unit and integration tiers).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const uri = process.env.RUNLENS_TEST_MLFLOW_URI;
if (!uri) {
  console.log('live tier skipped: RUNLENS_TEST_MLFLOW_URI names no MLflow tracking server (e.g. RUNLENS_TEST_MLFLOW_URI=http://127.0.0.1:5000 npm run test:live)');
  console.log('0 passed, 0 failed, 1 skipped');
  process.exit(0);
}
console.log(`live tier against ${uri}`);
const r = spawnSync(process.execPath, ['test/run-all.mjs', 'unit', 'python', 'integration', '--grep', 'tracking server|MLflow server|mlflow server'], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
