// Builds every bundle RunLens ships, and the test bundles.
//   node esbuild.mjs               development build (sourcemaps)
//   node esbuild.mjs --production  minified, no sourcemaps (what `npm run package` ships)
//   node esbuild.mjs --watch       rebuild on change
//   node esbuild.mjs --tests       also bundle test/unit and test/integration into out/
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const args = new Set(process.argv.slice(2));
const production = args.has('--production');
const watch = args.has('--watch');
const tests = args.has('--tests');

const nodeCommon = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  external: ['vscode'],
};

const builds = [
  { ...nodeCommon, entryPoints: { extension: 'src/extension.ts', storeWorker: 'src/store/worker.ts', mlflowReader: 'src/core/mlflow/fileStoreWorker.ts' }, outdir: 'dist' },
  { ...nodeCommon, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
];
const webviews = fs.existsSync('src/webview')
  ? fs.readdirSync('src/webview').filter((f) => /^[a-z]\w*\.ts$/i.test(f) && !f.startsWith('protocol'))
  : [];
if (webviews.length) {
  builds.push({
    bundle: true, platform: 'browser', format: 'iife', target: 'es2022',
    sourcemap: !production, minify: production, logLevel: 'warning',
    entryPoints: Object.fromEntries(webviews.map((f) => [f.replace(/\.ts$/, ''), `src/webview/${f}`])),
    outdir: 'dist/webview',
    loader: { '.css': 'text' },
  });
}
if (tests) {
  const entries = (dir) => fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => path.join(dir, f)) : [];
  // TypeScript's parser (test/unit/no-vscode-stand-ins.test.ts) loaded from node_modules, not bundled: 9 MB.
  builds.push({ ...nodeCommon, sourcemap: true, minify: false, entryPoints: entries('test/unit'), outdir: 'out/test/unit', external: ['vscode', 'mocha', 'typescript'] });
  builds.push({ ...nodeCommon, sourcemap: true, minify: false, entryPoints: entries('test/integration'), outdir: 'out/test/integration', external: ['vscode', 'mocha'] });
  builds.push({ ...nodeCommon, sourcemap: true, minify: false, entryPoints: entries('bench').filter((f) => f.endsWith('.bench.ts')), outdir: 'out/bench' });
  // The recorded MLflow servers for the UI tests: the replay as a process of its own, and the Python
  // tests' recorded server (with an authenticating proxy) behind the class that starts it.
  builds.push({ ...nodeCommon, sourcemap: true, minify: false, entryPoints: ['test/support/mlflowReplay.ts', 'test/support/recordedServer.ts'], outdir: 'out/test/support' });
}

function copyAssets() {
  fs.mkdirSync('dist', { recursive: true });
  fs.copyFileSync('node_modules/sql.js/dist/sql-wasm.wasm', 'dist/sql-wasm.wasm');
  if (tests) {
    for (const d of ['out/test/unit', 'out/test/integration', 'out/bench']) {
      fs.mkdirSync(d, { recursive: true });
      fs.copyFileSync('node_modules/sql.js/dist/sql-wasm.wasm', path.join(d, 'sql-wasm.wasm'));
    }
  }
}

const problemMatcherPlugin = {
  name: 'problem-matcher',
  setup(build) {
    build.onStart(() => console.log('[watch] build started'));
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      console.log('[watch] build finished');
    });
  },
};

copyAssets();
if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context({ ...b, plugins: [problemMatcherPlugin] })));
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  if (fs.existsSync('dist/cli.js')) fs.chmodSync('dist/cli.js', 0o755);
}
