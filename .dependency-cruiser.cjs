// The layers of RunLens's code, checked by the static tier (`npm run deps`): arrows point one way,
// and no module imports itself back through others. docs/architecture.md explains the layers.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A cycle makes modules impossible to read, test or load on their own: break it (an interface passed in, a type moved down).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-is-pure',
      comment: 'src/core is the heart of RunLens, tested in plain Node: it imports nothing from vscode and nothing from the features built on it.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: ['(^vscode$|node_modules/@types/vscode/)', '^src/(?!core/)'] },
    },
    {
      name: 'cli-without-vscode',
      comment: 'The command line runs without VS Code: only core.',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: ['(^vscode$|node_modules/@types/vscode/)', '^src/(?!core/|cli/)'] },
    },
    {
      name: 'webview-is-a-page',
      comment: 'Webview code runs in the page: core\'s pure modules, its own code and the shared protocol, never the host\'s features.',
      severity: 'error',
      from: { path: '^src/webview/' },
      to: { path: ['(^vscode$|node_modules/@types/vscode/)', '^src/(?!core/|webview/)'] },
    },
    {
      name: 'store-worker-without-vscode',
      comment: 'The store\'s worker thread has no vscode module.',
      severity: 'error',
      from: { path: '^src/store/worker\\.ts$' },
      to: { path: '(^vscode$|node_modules/@types/vscode/)' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|out)/' },
  },
};
