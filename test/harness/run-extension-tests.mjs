// Runs a mocha suite inside the real VS Code extension host: code-server's Node extension host,
// with the workbench in headless Chromium, RunLens loaded as the extension under development.
// RunLens's version of shared/real-vscode/lib/run-tests.mjs, usable as a module (test/run-all.mjs)
// and from a shell:
//
//   node test/harness/run-extension-tests.mjs EXT_DIR TESTS_JS [WORKSPACE_DIR]
//
// env: TEST_TIMEOUT_MS (whole run, default 300000), VERBOSE=1 (also print workbench and
// code-server logs), REAL_VSCODE_VERSION (which VS Code, as versions.mjs names them; default the
// current one). Every other variable reaches the extension host (process.env in tests).
// Exit / result code: 0 pass, 1 test failures or run() threw, 124 time-out, 2 usage, 3 harness error.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';
import { fileURLToPath } from 'node:url';
import { startCodeServer, launchChromium, workbenchUrl } from './cs-harness.mjs';

// Workbench start-up chatter that also arrives through codeAutomationLog.
const NOISE = /^(Resolving connection token|Resolved connection token|Creating a socket|\[reconnection-grace-time\]|Updating additional builtin extensions cache|\[Service Worker\]|\[AgentHost|\[AccountPolicyGate\]|Started local extension host|Loading development extension at|Ignoring fetching additional builtin extensions from gallery|No search provider registered for scheme|Canceled: Canceled|Timed out waiting for authentication provider|%s%s$)/;

/**
 * @param {object} o
 * @param {string} o.extensionDevelopmentPath folder with the extension's package.json
 * @param {string} o.extensionTestsPath module exporting run(): Promise<void>
 * @param {string} [o.workspace] folder to open (default: a fresh empty temp folder)
 * @param {Record<string,string>} [o.env] extra environment for the extension host
 * @param {string} [o.vscode] which VS Code (versions.mjs: '1.139' or '1.90'; default REAL_VSCODE_VERSION, else the current one)
 * @param {number} [o.timeoutMs]
 * @param {boolean} [o.verbose]
 * @returns {Promise<{ code: number, output: string[] }>} output: the lines the tests printed
 */
export async function runExtensionTests(o) {
  const timeoutMs = o.timeoutMs ?? Number(process.env.TEST_TIMEOUT_MS || 300000);
  const verbose = o.verbose ?? process.env.VERBOSE === '1';
  const debug = (m) => { if (verbose) console.error(m); };
  const output = [];
  let workspace = o.workspace && path.resolve(o.workspace);
  let ownWorkspace = false;
  if (!workspace) {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'runlens-ws-'));
    ownWorkspace = true;
  }
  let cs, browser, timer, settle;
  const done = new Promise((resolve) => { settle = resolve; });
  let finished = false;
  const finish = (code, why) => {
    if (finished) return;
    finished = true;
    if (why) console.error(why);
    settle(code);
  };
  try {
    cs = await startCodeServer({ log: debug, env: o.env, vscode: o.vscode });
    browser = await launchChromium();
    const page = browser.page;
    timer = setTimeout(() => finish(124, `TIMEOUT: no result from the extension host after ${timeoutMs} ms`), timeoutMs);
    if (verbose) page.on('console', (m) => console.error(`[browser ${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => debug(`[pageerror] ${e.message}`));
    // In extension-test mode the workbench routes every log line, including the extension host's
    // console (mocha's reporter), to window.codeAutomationLog ...
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      if (finished) return; // shutdown noise (Canceled ...) after the extension host exited
      const text = util.format(...(Array.isArray(args) ? args : [args]));
      if (!verbose && NOISE.test(text)) return;
      output.push(...text.split('\n'));
      (type === 'error' ? console.error : console.log)(text);
    });
    // ... and reports the extension host's exit code (0 = run() resolved) here.
    await page.exposeFunction('codeAutomationExit', (code) => {
      if (finished) return;
      debug(`[run-extension-tests] extension host exited with code ${code}`);
      finish(code === 0 ? 0 : (Number(code) || 1));
    });
    const url = workbenchUrl(cs, { folder: workspace, extensionDevelopmentPath: o.extensionDevelopmentPath, extensionTestsPath: o.extensionTestsPath });
    debug(`opening ${url}`);
    await page.goto(url);
  } catch (e) {
    finish(3, `harness error: ${(e && e.stack) || e}`);
  }
  const code = await done;
  clearTimeout(timer);
  if (browser) {
    browser.page.removeAllListeners('console');
    await browser.close();
  }
  if (cs) await cs.stop();
  if (ownWorkspace) fs.rmSync(workspace, { recursive: true, force: true });
  return { code, output };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [extArg, testsArg, workspaceArg] = process.argv.slice(2);
  if (!extArg || !testsArg) {
    console.error('usage: node test/harness/run-extension-tests.mjs EXT_DIR TESTS_JS [WORKSPACE_DIR]');
    process.exit(2);
  }
  for (const p of [path.join(extArg, 'package.json'), testsArg]) {
    if (!fs.existsSync(p)) { console.error(`not found: ${p}`); process.exit(2); }
  }
  const { code } = await runExtensionTests({ extensionDevelopmentPath: path.resolve(extArg), extensionTestsPath: path.resolve(testsArg), workspace: workspaceArg });
  process.exit(code);
}
