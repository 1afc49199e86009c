#!/usr/bin/env node
// `npm run test:electron`: the integration suite (out/test/integration/index.js, the same one
// `npm test` runs in code-server) in a desktop VS Code (Electron) downloaded by @vscode/test-electron,
// against the oldest VS Code RunLens supports (engines.vscode) and the current stable release,
// as rust-analyzer does.
//
//   npm run test:electron                  the minimum version and stable
//   npm run test:electron -- 1.95.0        these versions ('stable', 'insiders' or x.y.z)
//
// Needs internet access (VS Code is downloaded from update.code.visualstudio.com, about 150 MB a
// version, cached in $VSCODE_TEST_CACHE or ~/.cache/runlens-vscode-test) and, on Linux, a display
// (run it as `xvfb-run -a npm run test:electron` on a machine without one). Without internet
// access it stops at once with a message saying so: on the project's offline machines the
// code-server tier of `npm test` is the way to run this suite in a real VS Code.
import { spawnSync } from 'node:child_process';
import dns from 'node:dns/promises';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DOWNLOAD_HOST = 'update.code.visualstudio.com';
const fail = (message) => { console.error(`[test:electron] ${message}`); process.exit(1); };

const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
const minimum = /\d+\.\d+\.\d+/.exec(pkg.engines.vscode)?.[0];
const versions = process.argv.slice(2).length ? process.argv.slice(2) : [minimum, 'stable'].filter(Boolean);

// Fail fast offline: a name that does not resolve means no download can work, and
// @vscode/test-electron would otherwise report it only after its retries.
try {
  await Promise.race([
    dns.lookup(DOWNLOAD_HOST),
    new Promise((_, reject) => setTimeout(() => reject(new Error('DNS lookup timed out')), 5000)),
  ]);
} catch (e) {
  fail(`needs internet access to download VS Code from ${DOWNLOAD_HOST} (${e.code || e.message}).\n`
    + 'On this machine, run the same suite in a real VS Code with `npm run test:integration` (code-server).');
}
if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  fail('desktop VS Code needs a display: run `xvfb-run -a npm run test:electron`.');
}

const build = spawnSync(process.execPath, ['esbuild.mjs', '--tests'], { cwd: REPO, stdio: 'inherit' });
if (build.status !== 0) fail('the build failed');

const { runTests } = await import('@vscode/test-electron');
const { copyFixture, FIXTURES } = await import('../harness/fixtures.mjs');
const cachePath = process.env.VSCODE_TEST_CACHE || path.join(os.homedir(), '.cache', 'runlens-vscode-test');
let failed = 0;
for (const version of versions) {
  const workspace = copyFixture('python-project');
  console.log(`[test:electron] VS Code ${version}`);
  try {
    await runTests({
      version,
      cachePath,
      timeout: 30000, // idle time-out of the download, so a stalled connection fails rather than hangs
      extensionDevelopmentPath: REPO,
      extensionTestsPath: path.join(REPO, 'out/test/integration/index.js'),
      extensionTestsEnv: { RUNLENS_TEST_FIXTURES: FIXTURES },
      launchArgs: [workspace.dir, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', path.join(path.dirname(workspace.dir), 'user-data')],
    });
  } catch (e) {
    failed++;
    console.error(`[test:electron] VS Code ${version}: ${e.message || e}`);
  } finally {
    workspace.cleanup();
  }
}
process.exit(failed ? 1 : 0);
