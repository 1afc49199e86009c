// Makes sure the real VS Code test stack (code-server, the Node it runs on, playwright-core, Debian Chromium) is
// installed, by running setup.sh: a no-op taking under a second when everything is in place, about
// two minutes on a fresh machine. The install lives outside the checkout, in $REAL_VSCODE_HOME
// (default ~/.cache/real-vscode), so every checkout and CI run on the machine shares it.
//
//   node test/harness/setup.mjs [VSCODE…]   install (or check) from a shell; VSCODE as versions.mjs
//                                           names them (default: REAL_VSCODE_VERSION, else the current one)
//   import { ensureRealVscode } from …     from the test runner, `npm start` and the UI tests
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { INSTALL_DIR } from './cs-harness.mjs';
import { SELECTED_VSCODE } from './versions.mjs';

const SETUP_SH = path.join(path.dirname(fileURLToPath(import.meta.url)), 'setup.sh');
const done = new Set();

/**
 * Installs what is missing for VS Code `vscode` (default REAL_VSCODE_VERSION, else the current one); throws, with the
 * installer's output already printed, if that fails.
 */
export function ensureRealVscode(vscode = SELECTED_VSCODE) {
  if (done.has(vscode)) return INSTALL_DIR;
  const started = Date.now();
  const r = spawnSync('bash', [SETUP_SH, INSTALL_DIR, vscode], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`installing the real VS Code test stack into ${INSTALL_DIR} failed (setup.sh exit ${r.status ?? r.signal})`);
  const seconds = (Date.now() - started) / 1000;
  if (seconds > 5) console.log(`[setup] installed the real VS Code test stack in ${seconds.toFixed(0)} s`);
  done.add(vscode);
  return INSTALL_DIR;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    for (const vscode of process.argv.slice(2).length ? process.argv.slice(2) : [SELECTED_VSCODE]) ensureRealVscode(vscode);
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
