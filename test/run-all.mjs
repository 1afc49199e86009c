#!/usr/bin/env node
// Runs RunLens's tests, tier by tier, and closes with one line `N passed, N failed[, N skipped]`
// summed over every tier. Exit 1 if anything failed.
//
//   node test/run-all.mjs                      every tier: static, unit, python, clock, integration,
//                                              integration-1.90, ui
//   node test/run-all.mjs unit python          only these tiers (npm run test:unit etc.)
//   node test/run-all.mjs ui --grep 'RunLens view'   only the tests whose title matches
//   node test/run-all.mjs --keep-going         go on past a failing static tier
//
// Tiers:
//   static       `npm run typecheck`, `npm run lint` and `npm run deps` (the layers point one way, no
//                import cycle in TypeScript or in the Python client); one check each. A full run stops here
//                when they fail, unless --keep-going.
//   unit         test/unit/*.test.ts, bundled by `node esbuild.mjs --tests`, in plain Node (mocha).
//   python       /usr/bin/python3 -m unittest discover -s python/tests -t python (Debian's interpreter,
//                with python3-optuna, -sklearn, -matplotlib; RUNLENS_TEST_PYTHON names another),
//                after the build (its Optuna tests import studies with dist/cli.js).
//   clock        the unit and python tiers again at 2024-02-29 23:59:40 UTC (a leap day, crossing
//                midnight; libfaketime moves Node's clock, a sitecustomize Python's), with
//                TZ=Pacific/Kiritimati (UTC+14) and LC_ALL=de_DE.UTF-8.
//   integration  test/integration/*.test.ts inside the real VS Code extension host (code-server),
//                on a temp copy of test/fixtures/python-project; counted from the closing line that
//                test/integration/index.ts prints.
//   integration-1.90  the same suite in VS Code 1.90 (code-server 4.90.3 on Node 20), the oldest
//                that package.json's engines.vscode allows.
//   ui           test/ui/*.test.mjs: the real workbench in headless Chromium (playwright-core); a
//                failing UI test is tried once more before it counts as failed.
//                Screenshots go to test/screenshots/; UPDATE_SCREENSHOTS=1 also refreshes docs/images/.
// The integration and ui tiers install their real VS Code first (test/harness/setup.sh: about two
// minutes once per machine and VS Code version, cached in $REAL_VSCODE_HOME or ~/.cache/real-vscode).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_VSCODE, SELECTED_VSCODE } from './harness/versions.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(REPO);
// A RUNLENS_DIR from the developer's shell would send the tests' runs into their real store.
delete process.env.RUNLENS_DIR;

const ALL = ['static', 'unit', 'python', 'clock', 'integration', 'integration-1.90', 'ui'];
// Debian's interpreter, on purpose: it is the one that sees Debian's python3-optuna, -sklearn and
// -matplotlib, which the tests use for real. The `python3` first on PATH may be another one.
const PYTHON = process.env.RUNLENS_TEST_PYTHON || '/usr/bin/python3';
// The clock tier's moment: a leap day, 20 s before midnight UTC, so the run crosses into March. In
// the past, on purpose: files the tests write get their times from the real clock (libfaketime
// does not reach the kernel's stat), and a file from the future is merely new, whereas one from
// years ago would look abandoned to every staleness check.
const CLOCK_AT = '2024-02-29T23:59:40Z';
const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: { grep: { type: 'string' }, 'keep-going': { type: 'boolean', default: false } },
});
const unknown = positionals.filter((t) => !ALL.includes(t));
if (unknown.length) {
  console.error(`unknown tier ${unknown.join(', ')}; tiers: ${ALL.join(', ')}`);
  process.exit(2);
}
const selected = positionals.length ? ALL.filter((t) => positionals.includes(t)) : ALL;

const counts = (passed = 0, failed = 0, skipped = 0) => ({ passed, failed, skipped });
const line = ({ passed, failed, skipped }) => `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
const banner = (title) => console.log(`\n━━━━ ${title} ${'━'.repeat(Math.max(0, 70 - title.length))}`);
const tmpFile = (name) => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'runlens-tier-')), name);

/** Runs a command, its output shown as it comes (and kept, with capture); resolves to { code, text }. */
function run(cmd, args, { env = {}, capture = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', capture ? 'pipe' : 'inherit', capture ? 'pipe' : 'inherit'], env: { ...process.env, ...env } });
    let text = '';
    if (capture) {
      child.stdout.on('data', (d) => { text += d; process.stdout.write(d); });
      child.stderr.on('data', (d) => { text += d; process.stderr.write(d); });
    }
    child.on('error', (e) => { text += String(e); resolve({ code: 127, text }); });
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), text }));
  });
}

/** Runs test files in a child mocha process (test/harness/mocha-tier.mjs) and reads its counts. */
async function mochaTier(files, { timeout, slow, retries = 0, env = {} }) {
  if (!files.length) {
    console.log('no test files yet');
    return counts();
  }
  const result = tmpFile('result.json');
  const args = ['--enable-source-maps', 'test/harness/mocha-tier.mjs', '--result', result, '--timeout', String(timeout), '--slow', String(slow), '--retries', String(retries)];
  if (opts.grep) args.push('--grep', opts.grep);
  const { code } = await run(process.execPath, [...args, ...files], { env });
  let stats;
  try { stats = JSON.parse(fs.readFileSync(result, 'utf8')); } catch { stats = null; }
  fs.rmSync(path.dirname(result), { recursive: true, force: true });
  if (!stats) return counts(0, 1); // mocha died before it could count (crash, kill)
  return counts(stats.passes, Math.max(stats.failures, code === 0 ? 0 : 1), stats.pending);
}

const listFiles = (dir, suffix) => fs.existsSync(dir)
  ? fs.readdirSync(dir).filter((f) => f.endsWith(suffix)).sort().map((f) => path.join(dir, f))
  : [];

let built;
/** `node esbuild.mjs --tests`, once per run: dist/ for the extension host, out/test for the tests. */
async function build() {
  if (built === undefined) {
    // esbuild never deletes: without this, the bundle of a deleted test file would still run.
    fs.rmSync('out/test', { recursive: true, force: true });
    console.log('$ node esbuild.mjs --tests');
    built = (await run(process.execPath, ['esbuild.mjs', '--tests'])).code === 0;
    if (!built) console.error('the build failed (see above)');
  }
  return built;
}

let systemOk;
/** Debian's packages the tiers use (test/harness/system-packages.sh), once per run. */
function systemPackages() {
  if (systemOk === undefined) {
    const r = spawnSync('bash', ['test/harness/system-packages.sh'], { stdio: ['ignore', 'inherit', 'inherit'] });
    systemOk = r.status === 0;
    if (!systemOk) console.error('installing the Debian packages the tests need failed (see above)');
  }
  return systemOk;
}

/**
 * libfaketime moves Node's clock by a fixed offset (it keeps running), for the tier's processes and
 * their children. Python's is moved by test/harness/clockshift/sitecustomize.py instead (why: there).
 */
function fakeNodeClock(offset) {
  const lib = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1'].find((f) => fs.existsSync(f));
  if (!lib) throw new Error('libfaketime is not installed (test/harness/system-packages.sh installs it)');
  return {
    LD_PRELOAD: lib, FAKETIME: `${offset >= 0 ? '+' : ''}${offset}s`, FAKETIME_DONT_RESET: '1',
  };
}

const harness = new Map(); // VS Code version -> installed
/**
 * Installs (or checks) VS Code `vscode` (code-server and its Node; default REAL_VSCODE_VERSION, else the current one),
 * playwright-core and Chromium, once per run.
 */
async function realVscode(vscode = SELECTED_VSCODE) {
  if (!harness.has(vscode)) {
    try {
      const { ensureRealVscode } = await import('./harness/setup.mjs');
      ensureRealVscode(vscode);
      harness.set(vscode, true);
    } catch (e) {
      console.error(e.message);
      harness.set(vscode, false);
    }
  }
  return harness.get(vscode);
}

const tiers = {
  async static() {
    const c = counts();
    for (const script of ['typecheck', 'lint', 'deps']) {
      console.log(`$ npm run ${script}`);
      const { code } = await run('npm', ['run', '--silent', script]);
      if (code === 0) c.passed++; else { c.failed++; console.error(`npm run ${script} failed`); }
    }
    return c;
  },

  async unit(env = {}) {
    if (!await build()) return counts(0, 1);
    return mochaTier(listFiles('out/test/unit', '.test.js'), { timeout: 10000, slow: 200, env });
  },

  async python(env = {}) {
    if (!fs.existsSync('python/tests')) {
      console.log('no python/tests yet');
      return counts();
    }
    if (!systemPackages()) return counts(0, 1);
    // The Optuna tests import real studies with the command line (dist/cli.js), as a workspace would.
    if (!await build()) return counts(0, 1);
    const { code, text } = await run(PYTHON, ['-m', 'unittest', 'discover', '-s', 'python/tests', '-t', 'python', '-v'],
      { capture: true, env: { PYTHONDONTWRITEBYTECODE: '1', ...env } });
    return countUnittest(code, text);
  },

  // The unit and Python tiers again, at another date, in another time zone and locale: no test may
  // depend on the day it runs, the zone or the language of the machine.
  async clock() {
    if (!systemPackages()) return counts(0, 1);
    const offset = Math.round((Date.parse(CLOCK_AT) - Date.now()) / 1000);
    const place = { TZ: 'Pacific/Kiritimati', LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8', LANGUAGE: 'de' };
    console.log(`at ${CLOCK_AT} (crossing midnight UTC), TZ=${place.TZ}, LC_ALL=${place.LC_ALL}`);
    const unit = await tiers.unit({ ...place, ...fakeNodeClock(offset) });
    const python = await tiers.python({ ...place, RUNLENS_CLOCK_SHIFT_S: String(offset), PYTHONPATH: path.join(REPO, 'test/harness/clockshift') });
    return counts(unit.passed + python.passed, unit.failed + python.failed, unit.skipped + python.skipped);
  },

  /** The integration suite in VS Code `vscode` (default the current one); `oldest`: the oldest the manifest allows. */
  async integration(vscode = DEFAULT_VSCODE, { oldest = false } = {}) {
    if (!await build() || !await realVscode(vscode)) return counts(0, 1);
    const testsJs = path.join(REPO, 'out/test/integration/index.js');
    if (!fs.existsSync(testsJs)) { console.error(`missing ${testsJs}`); return counts(0, 1); }
    const { copyFixture, FIXTURES } = await import('./harness/fixtures.mjs');
    const workspace = copyFixture('python-project');
    const { runExtensionTests } = await import('./harness/run-extension-tests.mjs');
    const { code, output } = await runExtensionTests({
      extensionDevelopmentPath: REPO,
      extensionTestsPath: testsJs,
      workspace: workspace.dir,
      vscode,
      // The suite itself reports a hung test long before this (mocha timeouts in index.ts);
      // this only bounds a host that never starts or never answers.
      timeoutMs: Number(process.env.TEST_TIMEOUT_MS || 240000),
      env: {
        RUNLENS_TEST_FIXTURES: FIXTURES,
        RUNLENS_TEST_VSCODE: vscode,
        ...(oldest ? { RUNLENS_TEST_VSCODE_OLDEST: '1' } : {}),
        ...(opts.grep ? { RUNLENS_TEST_GREP: opts.grep } : {}),
      },
    });
    workspace.cleanup();
    const closing = [...output].reverse().map((l) => /^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/.exec(l.trim())).find(Boolean);
    if (!closing) {
      console.error(`the extension host gave no result (exit ${code}${code === 124 ? ': timed out' : code === 3 ? ': harness error' : ''})`);
      return counts(0, 1);
    }
    const c = counts(Number(closing[1]), Number(closing[2]), Number(closing[3] || 0));
    if (code !== 0 && c.failed === 0) c.failed = 1; // run() rejected without a failing test
    return c;
  },

  // VS Code 1.90, what engines.vscode claims: an API it lacks fails here, not in a user's editor.
  'integration-1.90': () => tiers.integration('1.90', { oldest: true }),

  async ui() {
    if (!await build() || !await realVscode()) return counts(0, 1);
    // A real browser on a shared 2-core machine: a UI test that fails is tried once more (mocha
    // says so in its output); a real failure fails twice.
    return mochaTier(listFiles('test/ui', '.test.mjs'), { timeout: 180000, slow: 30000, retries: 1 });
  },
};

/** Counts from unittest's own summary: "Ran N tests", then "OK" or "FAILED (failures=, errors=, skipped=…)". */
function countUnittest(code, text) {
  const ran = /^Ran (\d+) tests? in/m.exec(text);
  if (!ran) return counts(0, 1); // it never got to run tests (import error in discovery, crash)
  // `[(,] key=`: "failures=" must not match inside "expected failures=".
  const n = (key) => Number(new RegExp(`[(,]\\s*${key}=(\\d+)`).exec(text.slice(ran.index))?.[1] || 0);
  const failed = n('failures') + n('errors') + n('unexpected successes');
  const skipped = n('skipped');
  const c = counts(Number(ran[1]) - failed - skipped, failed, skipped);
  // Python 3.12+ exits 5 when no test ran: that is "0 tests", not a failure.
  if (code !== 0 && !(code === 5 && Number(ran[1]) === 0) && c.failed === 0) c.failed = 1;
  return c;
}

const results = [];
const started = Date.now();
for (const tier of selected) {
  banner(tier);
  const t0 = Date.now();
  let c;
  try {
    c = await tiers[tier]();
  } catch (e) {
    console.error(`${tier}: ${(e && e.stack) || e}`);
    c = counts(0, 1);
  }
  const seconds = (Date.now() - t0) / 1000;
  results.push({ tier, ...c, seconds });
  console.log(`${tier}: ${line(c)} (${seconds.toFixed(1)} s)`);
  if (tier === 'static' && c.failed && selected.length > 1 && !opts['keep-going']) {
    console.error('static checks failed: stopping here (run with --keep-going to go on)');
    break;
  }
}

const total = results.reduce((a, r) => counts(a.passed + r.passed, a.failed + r.failed, a.skipped + r.skipped), counts());
banner('summary');
for (const r of results) console.log(`  ${r.tier.padEnd(17)} ${line(r).padEnd(34)} ${r.seconds.toFixed(1).padStart(6)} s`);
for (const t of selected.slice(results.length)) console.log(`  ${t.padEnd(17)} not run`);
console.log(`  ${'total'.padEnd(17)} ${''.padEnd(34)} ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s`);
console.log(line(total));
process.exitCode = total.failed ? 1 : 0;
