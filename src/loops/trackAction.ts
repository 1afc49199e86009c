import * as vscode from 'vscode';
import { IMPORTED, trackRewrites, type TrackRewrite } from '../core/loops/track';
import { PYTHON_DOCUMENTS } from './selector';
import type { LoopInsight, LoopService } from './service';

/**
 * "Track This Loop with RunLens" on a loop that records its results without a tracker: the body runs
 * inside `runlens.start_run(params=..)` (or the loop becomes `runlens.grid(..)`), applied as one
 * edit, so one undo takes it back. A refactoring code action on the loop, so VS Code's Refactor menu
 * previews it (Ctrl+Enter) before anything changes; the loop's lens (`runlens.trackLoop`) opens that
 * menu on the loop.
 *
 * The edits are not marked `needsConfirmation`: VS Code would show them unchecked in the preview.
 */
export class TrackLoopActions implements vscode.CodeActionProvider, vscode.Disposable {
  static readonly kind = vscode.CodeActionKind.RefactorRewrite.append('runlens.track');
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly loops: LoopService) {
    this.disposables = [
      vscode.languages.registerCodeActionsProvider(PYTHON_DOCUMENTS, this, { providedCodeActionKinds: [TrackLoopActions.kind] }),
    ];
  }

  /** For the command table (src/commands.ts). */
  readonly commands = [{ id: 'runlens.trackLoop', run: (uri?: vscode.Uri, index?: number) => this.track(uri, index) }];

  async provideCodeActions(doc: vscode.TextDocument, range: vscode.Range): Promise<vscode.CodeAction[]> {
    const out: vscode.CodeAction[] = [];
    for (const ins of await this.loops.insights(doc)) {
      const loopRange = new vscode.Range(doc.positionAt(ins.loop.from), doc.positionAt(ins.loop.to));
      if (ins.loop.tracked || !loopRange.intersection(range)) continue;
      trackRewrites(doc.getText(), ins.loop, this.importedBefore(doc)).forEach((r, i) => {
        const action = new vscode.CodeAction(r.title, TrackLoopActions.kind);
        action.edit = workspaceEdit(doc, r);
        action.isPreferred = i === 0;
        out.push(action);
      });
    }
    return out;
  }

  /** The lens's "Track This Loop": the Refactor menu on the loop, where each rewrite can be previewed. */
  private async track(uri: vscode.Uri | undefined, index = 0): Promise<void> {
    const doc = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
    const ins: LoopInsight | undefined = doc && (await this.loops.insights(doc))[index];
    if (!doc || !ins || !trackRewrites(doc.getText(), ins.loop, this.importedBefore(doc)).length) {
      void vscode.window.showInformationMessage('RunLens: there is no untracked loop here to track.');
      return;
    }
    const at = doc.positionAt(ins.loop.from);
    const editor = await vscode.window.showTextDocument(doc, { selection: new vscode.Range(at, at) });
    editor.selection = new vscode.Selection(at, at);
    await vscode.commands.executeCommand('editor.action.refactor', { kind: TrackLoopActions.kind.value, apply: 'never' });
  }

  /** In a notebook, whether a cell above imports runlens (then the cell itself need not). */
  private importedBefore(doc: vscode.TextDocument): boolean {
    const cells = this.loops.documentsSeeing(doc);
    return cells.slice(0, Math.max(0, cells.indexOf(doc))).some((d) => IMPORTED.test(d.getText()));
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** A rewrite as one WorkspaceEdit (one undo), labelled for the refactor preview. */
export function workspaceEdit(doc: vscode.TextDocument, rewrite: TrackRewrite): vscode.WorkspaceEdit {
  const edit = new vscode.WorkspaceEdit();
  const metadata: vscode.WorkspaceEditEntryMetadata = { needsConfirmation: false, label: rewrite.title, description: 'RunLens' };
  for (const c of rewrite.changes) {
    edit.replace(doc.uri, new vscode.Range(doc.positionAt(c.from), doc.positionAt(c.to)), c.insert, metadata);
  }
  return edit;
}
