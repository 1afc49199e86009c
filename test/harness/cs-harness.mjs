// Starts code-server (the real VS Code server + web workbench, Node extension host) and a headless
// Debian Chromium driven by playwright-core, both on loopback only. RunLens's copy of
// shared/real-vscode/lib/cs-harness.mjs; installed by setup.sh (see setup.mjs).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { SELECTED_VSCODE, codeServerFor } from './versions.mjs';

// Where setup-real-vscode.sh installed things (default: ~/.cache/real-vscode, outside any checkout).
export const INSTALL_DIR = path.resolve(process.env.REAL_VSCODE_HOME
  || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'real-vscode'));
const require = createRequire(path.join(INSTALL_DIR, 'tools', 'package.json'));

/** The Node, code-server and Chromium for VS Code `vscode` (versions.mjs: '1.139' or '1.90'; default SELECTED_VSCODE). */
export function paths(vscode = SELECTED_VSCODE) {
  const { node, entry, serverArgs } = codeServerFor(vscode, INSTALL_DIR);
  const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  for (const p of [node, entry, chromium]) if (!fs.existsSync(p)) throw new Error(`missing ${p}; run: node test/harness/setup.mjs ${vscode} (installs into ${INSTALL_DIR})`);
  return { node, entry, chromium, serverArgs };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// code-server runs in its own process group (so stop() can end its extension hosts too), which
// also means an interrupted test process would leave it running. Every server still live when
// this process exits, however it exits, is ended here.
// (playwright-core ends the browsers it launched on exit by itself; their profiles are removed here.)
const liveServers = new Map(); // pid -> tmp dir
const liveBrowserDirs = new Set();
process.on('exit', () => {
  for (const [pid, tmp] of liveServers) {
    try { process.kill(-pid, 'SIGKILL'); } catch { /* already gone */ }
    if (!process.env.KEEP_TMP) fs.rmSync(tmp, { recursive: true, force: true });
  }
  for (const dir of liveBrowserDirs) fs.rmSync(dir, { recursive: true, force: true });
});
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  if (!process.listenerCount(signal)) process.once(signal, () => process.exit(code));
}

export const DEFAULT_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'editor.codeLens': true,
};

// Starts code-server on 127.0.0.1:<free port> with a fresh user-data-dir / extensions-dir.
//   settings: merged into User/settings.json   env: extra env (reaches the extension host too)
//   vsix: packaged extensions to install offline (--install-extension) before the server starts
//   port: listen on this port (default: a free one)
//   vscode: which VS Code (versions.mjs; default REAL_VSCODE_VERSION, else the current one)
export async function startCodeServer({ settings = {}, log = () => {}, env = {}, extraArgs = [], vsix = [], port: fixedPort, vscode } = {}) {
  const { node, entry, serverArgs } = paths(vscode);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'real-vscode-'));
  const userDataDir = path.join(tmp, 'user-data');
  const extensionsDir = path.join(tmp, 'extensions');
  for (const d of [path.join(userDataDir, 'User'), extensionsDir, path.join(tmp, 'tmp')]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...DEFAULT_SETTINGS, ...settings }, null, 2));
  const childEnv = {
    ...process.env,
    // Keep code-server's own config.yaml, heartbeat and coder-logs out of $HOME.
    XDG_CONFIG_HOME: path.join(tmp, 'xdg-config'), XDG_DATA_HOME: path.join(tmp, 'xdg-data'),
    XDG_CACHE_HOME: path.join(tmp, 'xdg-cache'), XDG_STATE_HOME: path.join(tmp, 'xdg-state'),
    TMPDIR: path.join(tmp, 'tmp'), // its IPC sockets and TS server temp dirs go away with tmp
    // No marketplace: an empty gallery config disables it (else ENOTFOUND open-vsx.org noise).
    EXTENSIONS_GALLERY: '{}',
    ...env,
  };
  const common = ['--config', path.join(tmp, 'config.yaml'), '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  for (const v of vsix) {
    const r = spawnSync(node, [entry, ...common, '--install-extension', path.resolve(v)], { env: childEnv, encoding: 'utf8' });
    log(`[install-extension] ${r.stdout}${r.stderr}`);
    if (r.status !== 0 || !/successfully installed/.test(r.stdout)) throw new Error(`installing ${v} failed:\n${r.stdout}${r.stderr}`);
  }
  const port = fixedPort || await freePort();
  const args = [entry, ...common,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--disable-getting-started-override', '--disable-proxy', '--ignore-last-opened',
    ...serverArgs, // what this version needs to honour the extensionDevelopmentPath payload
    ...extraArgs];
  const proc = spawn(node, args, {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group, so stop() kills the server and its extension hosts
  });
  let out = '';
  const onData = (d) => { out += d; for (const l of String(d).split('\n')) if (l.trim()) log(`[code-server] ${l}`); };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  let exited = null;
  liveServers.set(proc.pid, tmp);
  proc.on('exit', (c, s) => { exited = { c, s }; });
  const stop = async () => {
    if (!exited) {
      try { process.kill(-proc.pid, 'SIGTERM'); } catch { /* already gone */ }
      for (let i = 0; i < 50 && !exited; i++) await sleep(100);
      if (!exited) { try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* already gone */ } }
    }
    liveServers.delete(proc.pid);
    if (!process.env.KEEP_TMP) fs.rmSync(tmp, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60000;
  while (!/HTTP server listening on/.test(out)) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`code-server ${exited ? `exited early (${JSON.stringify(exited)})` : 'did not start in 60s'}:\n${out}`);
    }
    await sleep(100);
  }
  return { port, origin: `http://127.0.0.1:${port}`, authority: `127.0.0.1:${port}`, tmp, proc, stop, extensionHosts: () => extensionHosts(proc.pid) };
}

/**
 * The pids of the extension hosts a code-server runs, one per connected window (Linux: read from
 * /proc). Each is a child of the server, in its process group, started with `--type=extensionHost`.
 */
export function extensionHosts(serverPid) {
  const pids = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 5 of stat is the process group; the command name before it may hold spaces, so
      // the fields are counted from the closing parenthesis.
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const group = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (group !== serverPid) continue;
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes('--type=extensionHost')) pids.push(Number(entry));
    } catch { /* gone meanwhile */ }
  }
  return pids.sort((a, b) => a - b);
}

export async function launchChromium({ width = 1400, height = 850 } = {}) {
  const { chromium } = require('playwright-core');
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'real-vscode-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: paths().chromium,
    headless: true,
    viewport: { width, height },
    // Chromium's crashpad writes ~/.config/chromium/Crash Reports whatever --user-data-dir says.
    env: { ...process.env, XDG_CONFIG_HOME: path.join(userDataDir, 'xdg-config'), XDG_CACHE_HOME: path.join(userDataDir, 'xdg-cache') },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--no-first-run', '--disable-dev-shm-usage'],
  });
  liveBrowserDirs.add(userDataDir);
  const close = async () => {
    try { await context.close(); } catch { /* the browser is gone already */ }
    fs.rmSync(userDataDir, { recursive: true, force: true });
    liveBrowserDirs.delete(userDataDir);
  };
  // A persistent context starts with one blank tab: use it rather than opening a second one.
  const page = context.pages()[0] || await context.newPage();
  return { context, page, close };
}

// URL that opens the workbench on `folder`, optionally as an Extension Development Host
// (the `payload` mechanism VS Code's own browser integration tests use).
export function workbenchUrl(cs, { folder, extensionDevelopmentPath, extensionTestsPath, extra = [] }) {
  const remote = (p) => `vscode-remote://${cs.authority}${path.resolve(p)}`;
  const payload = [];
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  payload.push(['skipWelcome', 'true'], ['skipReleaseNotes', 'true'], ...extra);
  const q = new URLSearchParams();
  if (folder) q.set('folder', path.resolve(folder));
  q.set('payload', JSON.stringify(payload));
  return `${cs.origin}/?${q.toString()}`;
}
