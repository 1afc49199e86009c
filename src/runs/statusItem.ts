import * as vscode from 'vscode';
import type { FolderStores } from '../store/folderStores';

/** "2 running" in the status bar while runs are running; hidden otherwise. Clicking reveals the runs. */
export class RunningStatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('runlens.running', vscode.StatusBarAlignment.Left, 10);
  private readonly sub: vscode.Disposable;

  constructor(private readonly stores: FolderStores) {
    this.item.name = 'RunLens running runs';
    this.item.command = 'runlens.runs.focus';
    this.sub = stores.onDidChange(() => void this.update());
  }

  private async update(): Promise<void> {
    let running = 0;
    for (const s of await this.stores.all()) {
      for (const e of await s.client.api.experiments()) running += e.running;
    }
    if (!running) { this.item.hide(); return; }
    this.item.text = `$(sync~spin) ${running} running`;
    this.item.tooltip = `RunLens: ${running} run${running === 1 ? '' : 's'} running`;
    this.item.show();
  }

  dispose(): void {
    this.sub.dispose();
    this.item.dispose();
  }
}
