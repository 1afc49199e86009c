import * as vscode from 'vscode';
import { checkTable, guarded, type CommandSpec } from './core/commands/guard';

export type { CommandSpec } from './core/commands/guard';

/**
 * Registers the command table: every RunLens command, declared once by its feature, registered
 * here in one loop, each through the one path (core/commands/guard.ts) that refuses launches in an
 * untrusted workspace and logs and reports errors.
 */
export function registerCommands(specs: readonly CommandSpec[], log: vscode.LogOutputChannel): vscode.Disposable {
  checkTable(specs);
  const surface = {
    isTrusted: () => vscode.workspace.isTrusted,
    refuseUntrusted: async () => {
      const manage = 'Manage Workspace Trust';
      const answer = await vscode.window.showWarningMessage('RunLens launches experiments only in a trusted workspace, because launching runs this workspace\'s code. Runs, CodeLens warnings and everything else work as they are.', manage);
      if (answer === manage) await vscode.commands.executeCommand('workbench.trust.manage');
    },
    logError: (id: string, e: unknown) => log.error(`${id} failed: ${(e as Error)?.stack ?? e}`),
    tell: (message: string) => { void vscode.window.showErrorMessage(message, 'Show Output').then((a) => { if (a) log.show(); }); },
  };
  return vscode.Disposable.from(...specs.map((spec) => vscode.commands.registerCommand(spec.id, guarded(spec, surface))));
}
