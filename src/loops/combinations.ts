import * as vscode from 'vscode';
import { formatCombination } from '../core/loops/summary';
import { formatMetric, shortId } from '../core/runs/format';
import type { LoopService } from './service';
import type { CommandSpec } from '../commands';
import { refTo } from '../runs/ref';
import type { CombinationState } from '../core/store/types';

/** The lens's click: every combination of the loop with its state; picking one opens its run. */
export function combinationCommands(insights: LoopService): CommandSpec[] {
  return [{ id: 'runlens.showCombinations', run: async (uri?: vscode.Uri, index = 0) => {
    const doc = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
    if (!doc) return;
    const all = await insights.insights(doc);
    const ins = all[index];
    if (!ins) { void vscode.window.showInformationMessage('RunLens: no experiment loop here.'); return; }
    const icon: Record<CombinationState['state'], string> = {
      finished: '$(pass)', failed: '$(error)', crashed: '$(warning)', killed: '$(circle-slash)', running: '$(sync~spin)',
      pruned: '$(stop-circle)', queued: '$(clock)', 'never-run': '$(circle-outline)',
    };
    const items = ins.loop.combinations.map((combo, i) => {
      const st = ins.states[i];
      const label = `${icon[st.state]} ${formatCombination(combo, ins.loop.keys)}`;
      const description = st.state === 'never-run' ? 'never run' : st.state === 'finished' && st.best !== null && ins.metric ? `${ins.metric} ${formatMetric(st.best)}` : st.state;
      const detail = st.runs.length ? `${st.runs.length} run${st.runs.length === 1 ? '' : 's'}: ${st.runs.map((r) => `${shortId(r.uid)} ${r.status}`).join(', ')}` : undefined;
      return { label, description, detail, run: st.runs[0]?.uid };
    });
    const what = ins.loop.optuna?.kind === 'grid' ? 'grid points done' : 'combinations logged';
    const picked = await vscode.window.showQuickPick(items, { placeHolder: `${ins.summary.logged} of ${ins.summary.total} ${what}: pick one to open its run`, matchOnDescription: true, matchOnDetail: true });
    if (picked?.run && ins.store) {
      await vscode.commands.executeCommand('runlens.openRunDetails', refTo({ store: ins.store, uid: picked.run }));
    }
  } }];
}
