#!/usr/bin/env node
// `npm start`: builds RunLens, lays out a demo workspace with a few runs already logged, and opens
// it in a real VS Code (code-server, the same as the UI tests use) with RunLens loaded as the
// extension under development. Open the printed URL in a browser; Ctrl+C stops everything.
//
//   npm start                              serve on a free port of 127.0.0.1
//   npm start -- --port 8080               serve on this port (still only on 127.0.0.1)
//   npm start -- --screenshot out.png      no server left behind: open the demo in headless
//                                          Chromium, wait for the RunLens view, save a screenshot, exit
//
// The demo workspace is in $RUNLENS_DEMO_DIR or ~/.cache/runlens-demo (see scripts/demo/prepare.mjs);
// code-server is installed on first use into $REAL_VSCODE_HOME or ~/.cache/real-vscode (about two
// minutes, once per machine). Reloading the page keeps RunLens loaded: it is in the URL.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const say = (m) => console.log(`[start] ${m}`);

// Ctrl+C must stop code-server too (it runs in its own process group). This handler is in place
// before the harness loads, so the harness leaves SIGINT to it.
let stopping;
let stopServer = async () => {};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    stopping ??= (async () => {
      say('stopping');
      await stopServer();
      process.exit(0);
    })();
  });
}

const { values: opts } = parseArgs({
  options: { screenshot: { type: 'string' }, port: { type: 'string' } },
});
// `npm start -- --screenshot x.png` runs in the repository; x.png means the caller's directory.
const callerDir = process.env.INIT_CWD || process.cwd();

try {
  say('building (node esbuild.mjs)');
  const build = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: REPO, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the build failed (see above)');

  const { prepareDemo } = await import('./demo/prepare.mjs');
  const demo = prepareDemo();
  say(`demo workspace: ${demo} (train.py, 4 of its 6 combinations run by python/runlens)`);

  const { ensureRealVscode } = await import('../test/harness/setup.mjs');
  ensureRealVscode();

  if (opts.screenshot) {
    await screenshot(demo, path.resolve(callerDir, opts.screenshot));
    process.exit(0);
  }
  await serve(demo, opts.port ? Number(opts.port) : undefined);
} catch (e) {
  console.error(`[start] ${e.message}`);
  await stopServer();
  process.exit(1);
}

async function serve(folder, port) {
  const { startCodeServer, workbenchUrl } = await import('../test/harness/cs-harness.mjs');
  const cs = await startCodeServer({ port, log: process.env.VERBOSE === '1' ? console.error : () => {} });
  stopServer = cs.stop;
  cs.proc.on('exit', (code) => {
    if (stopping) return;
    console.error(`[start] code-server exited (${code})`);
    process.exit(1);
  });
  const url = workbenchUrl(cs, { folder, extensionDevelopmentPath: REPO });
  say('RunLens is running in VS Code (code-server) with the demo workspace. Open:');
  console.log(`\n  ${url}\n`);
  say(`(only on this machine's loopback; from elsewhere, forward port ${cs.port}, e.g. ssh -L ${cs.port}:127.0.0.1:${cs.port})`);
  say('after changing the code: `npm run build`, then reload the page. Ctrl+C stops.');
  await new Promise(() => {}); // until a signal
}

async function screenshot(folder, file) {
  const { openWorkbench } = await import('../test/harness/workbench.mjs');
  const wb = await openWorkbench({ folder, extensionDevelopmentPath: REPO });
  stopServer = () => wb.close();
  say(`workbench: ${wb.url}`);
  await wb.openView('RunLens');
  await wb.view('Runs');
  say('the RunLens view is showing');
  await wb.openFile('train.py');
  // What the demo is for; reported, not required, so that the screenshot also shows a broken state.
  const items = await wb.treeItems('Runs', { timeout: 15000 }).catch(() => []);
  if (items[0]?.expanded === false) { // show the runs of the first experiment, not just its name
    await wb.expandTreeRow('Runs', items[0].label).catch(() => {});
    await wb.treeItems('Runs', { min: items.length + 1, timeout: 5000 }).catch(() => {});
  }
  const rows = await wb.treeRows('Runs', { min: 0 });
  await wb.page.keyboard.press('Control+1'); // focus back in the editor: no focus ring in the tree
  say(`runs view rows: ${JSON.stringify(rows)}`);
  const lenses = await wb.codeLenses({ timeout: 10000 }).catch(() => []);
  say(`codelenses: ${JSON.stringify(lenses)}`);
  await wb.screenshot(file);
  say(`screenshot: ${file}`);
  await wb.close();
  stopServer = async () => {};
}
