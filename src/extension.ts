import * as vscode from 'vscode';

/** What RunLens hands to other extensions and to its own integration tests. */
export interface RunLensApi {
  readonly version: string;
}

export function activate(context: vscode.ExtensionContext): RunLensApi {
  const log = vscode.window.createOutputChannel('RunLens', { log: true });
  context.subscriptions.push(
    log,
    vscode.commands.registerCommand('runlens.showLog', () => log.show()),
  );
  return { version: String(context.extension.packageJSON.version) };
}

export function deactivate(): void {}
