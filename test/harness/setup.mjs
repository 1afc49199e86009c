// Makes sure the real VS Code test stack (code-server, Node 24, playwright-core, Debian Chromium) is
// installed, by running setup.sh: a no-op taking under a second when everything is in place, about
// two minutes on a fresh machine. The install lives outside the checkout, in $REAL_VSCODE_HOME
// (default ~/.cache/real-vscode), so every checkout and CI run on the machine shares it.
//
//   node test/harness/setup.mjs          install (or check) from a shell
//   import { ensureRealVscode } from …   from the test runner, `npm start` and the UI tests
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { INSTALL_DIR } from './cs-harness.mjs';

const SETUP_SH = path.join(path.dirname(fileURLToPath(import.meta.url)), 'setup.sh');
let done = false;

/** Installs what is missing; throws, with the installer's output already printed, if that fails. */
export function ensureRealVscode() {
  if (done) return INSTALL_DIR;
  const started = Date.now();
  const r = spawnSync('bash', [SETUP_SH, INSTALL_DIR], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`installing the real VS Code test stack into ${INSTALL_DIR} failed (setup.sh exit ${r.status ?? r.signal})`);
  const seconds = (Date.now() - started) / 1000;
  if (seconds > 5) console.log(`[setup] installed the real VS Code test stack in ${seconds.toFixed(0)} s`);
  done = true;
  return INSTALL_DIR;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    ensureRealVscode();
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
