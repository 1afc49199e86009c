import * as path from 'node:path';
import * as vscode from 'vscode';

/**
 * Puts the bundled Python client on PYTHONPATH in integrated terminals, so `import runlens` works
 * there without installing anything (setting `runlens.pythonClient.addToTerminals`).
 */
export function registerPythonClientEnvironment(context: vscode.ExtensionContext, pythonDir: string): vscode.Disposable {
  const apply = () => {
    const env = context.environmentVariableCollection;
    env.clear();
    if (!vscode.workspace.getConfiguration('runlens').get<boolean>('pythonClient.addToTerminals', true)) return;
    env.description = 'RunLens: puts its Python client (`import runlens`) on PYTHONPATH';
    env.prepend('PYTHONPATH', pythonDir + path.delimiter);
  };
  apply();
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('runlens.pythonClient.addToTerminals')) apply();
  });
}
