import * as path from 'node:path';
import * as vscode from 'vscode';
import { affectsSetting, setting } from '../settings';

/**
 * Puts the bundled Python client on PYTHONPATH in integrated terminals, so `import runlens` works
 * there without installing anything (setting `runlens.pythonClient.addToTerminals`).
 */
export function registerPythonClientEnvironment(context: vscode.ExtensionContext, pythonDir: string): vscode.Disposable {
  const apply = () => {
    const env = context.environmentVariableCollection;
    env.clear();
    // The client keeps script copies unless told not to (RUNLENS_KEEP_CODE=0).
    if (!setting('pythonClient.keepScriptCopies')) env.replace('RUNLENS_KEEP_CODE', '0');
    if (!setting('pythonClient.addToTerminals')) return;
    env.description = 'RunLens: puts its Python client (`import runlens`) on PYTHONPATH';
    env.prepend('PYTHONPATH', pythonDir + path.delimiter);
  };
  apply();
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (affectsSetting(e, 'pythonClient.addToTerminals') || affectsSetting(e, 'pythonClient.keepScriptCopies')) apply();
  });
}
