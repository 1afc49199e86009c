import * as vscode from 'vscode';
import { trackRewrites, type TrackRewrite } from '../core/loops/track';
import { PYTHON_DOCUMENTS } from './selector';
import type { LoopInsight, LoopService } from './service';

/**
 * "Track This Loop with RunLens" on a loop that records its results without a tracker: the body runs
 * inside `runlens.start_run(params=..)` (or the loop becomes `runlens.grid(..)`), shown as a refactor
 * preview and applied as one edit, so one undo takes it back. Offered as a code action on the loop,
 * and by the loop's lens (`runlens.trackLoop`).
 */
export class TrackLoopActions implements vscode.CodeActionProvider, vscode.Disposable {
  static readonly kind = vscode.CodeActionKind.RefactorRewrite.append('runlens.track');
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly loops: LoopService) {
    this.disposables = [
      vscode.languages.registerCodeActionsProvider(PYTHON_DOCUMENTS, this, { providedCodeActionKinds: [TrackLoopActions.kind] }),
      vscode.commands.registerCommand('runlens.trackLoop', (uri?: vscode.Uri, index?: number) => this.track(uri, index)),
    ];
  }

  async provideCodeActions(doc: vscode.TextDocument, range: vscode.Range): Promise<vscode.CodeAction[]> {
    const out: vscode.CodeAction[] = [];
    for (const ins of await this.loops.insights(doc)) {
      const loopRange = new vscode.Range(doc.positionAt(ins.loop.from), doc.positionAt(ins.loop.to));
      if (ins.loop.tracked || !loopRange.intersection(range)) continue;
      trackRewrites(doc.getText(), ins.loop).forEach((r, i) => {
        const action = new vscode.CodeAction(r.title, TrackLoopActions.kind);
        action.edit = workspaceEdit(doc, r);
        action.isPreferred = i === 0;
        out.push(action);
      });
    }
    return out;
  }

  /** The lens's "Track This Loop": the first rewrite, previewed before it applies. */
  private async track(uri: vscode.Uri | undefined, index = 0): Promise<void> {
    const doc = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
    const ins: LoopInsight | undefined = doc && (await this.loops.insights(doc))[index];
    const [rewrite] = doc && ins ? trackRewrites(doc.getText(), ins.loop) : [];
    if (!doc || !rewrite) { void vscode.window.showInformationMessage('RunLens: there is no untracked loop here to track.'); return; }
    await vscode.workspace.applyEdit(workspaceEdit(doc, rewrite));
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** A rewrite as one WorkspaceEdit whose changes need confirming: VS Code shows the refactor preview. */
export function workspaceEdit(doc: vscode.TextDocument, rewrite: TrackRewrite): vscode.WorkspaceEdit {
  const edit = new vscode.WorkspaceEdit();
  const metadata: vscode.WorkspaceEditEntryMetadata = { needsConfirmation: true, label: rewrite.title, description: 'RunLens' };
  for (const c of rewrite.changes) {
    edit.replace(doc.uri, new vscode.Range(doc.positionAt(c.from), doc.positionAt(c.to)), c.insert, metadata);
  }
  return edit;
}
