import * as vscode from 'vscode';
import type { FolderStores } from '../store/folderStores';
import type { RunDetail } from '../core/store/types';
import { formatDuration, formatMetric, STATUS_LABEL } from '../core/runs/format';
import { escapeMd } from './tree';

export const RUN_SCHEME = 'runlens-run';

/** A run as a read-only Markdown document (`runlens-run:/<folder index>/<run id>.md`), shown in the preview. */
export class RunDocumentProvider implements vscode.TextDocumentContentProvider {
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;

  constructor(private readonly stores: FolderStores) {}

  static uri(folderIndex: number, uid: string): vscode.Uri {
    return vscode.Uri.from({ scheme: RUN_SCHEME, path: `/${folderIndex}/${uid}.md` });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const [, index, file] = uri.path.split('/');
    const folder = vscode.workspace.workspaceFolders?.[Number(index)];
    const store = folder && await this.stores.get(folder);
    const run = store && await store.client.api.run(file.replace(/\.md$/, ''));
    return run ? renderRun(run) : `Run ${escapeMd(file)} is not in the store.`;
  }

  dispose(): void { this.emitter.dispose(); }
}

export function renderRun(r: RunDetail): string {
  const lines = [`# ${escapeMd(r.name ?? r.uid)}`, '',
    `**${STATUS_LABEL[r.status]}**${r.deleted ? ' · deleted' : ''} · experiment ${escapeMd(r.experiment)} · run \`${r.uid}\``, ''];
  if (r.startTime) lines.push(`Started ${new Date(r.startTime).toLocaleString()}${r.endTime ? `, took ${formatDuration(r.endTime - r.startTime)}` : ''}`, '');
  if (r.error) lines.push('## Error', '', '```', `${r.error.type ?? ''}: ${r.error.message ?? ''}`, r.error.traceback ?? '', '```', '');
  const table = (title: string, rows: [string, string][]) => {
    if (!rows.length) return;
    lines.push(`## ${title}`, '', '| | |', '|---|---|', ...rows.map(([k, v]) => `| ${escapeMd(k)} | ${escapeMd(v)} |`), '');
  };
  table('Parameters', Object.entries(r.params));
  table('Metrics', Object.values(r.metrics).map((m) => [m.key, `${formatMetric(m.last)} (step ${m.lastStep}${m.min !== m.max ? `, min ${formatMetric(m.min)}, max ${formatMetric(m.max)}` : ''}, ${m.count} points)`]));
  table('Tags', Object.entries(r.tags).filter(([k]) => k !== 'mlflow.note.content'));
  if (r.note) lines.push('## Note', '', escapeMd(r.note), '');
  table('Code', [
    ['script', r.scriptPath ?? '–'], ['script sha256', r.scriptSha256 ?? '–'],
    ['git commit', r.git.commit ?? '–'], ['git branch', r.git.branch ?? '–'], ['uncommitted changes', r.git.dirty === null ? '–' : r.git.dirty ? 'yes' : 'no'],
    ['host', r.host ?? '–'], ['source', r.source],
  ]);
  return lines.join('\n');
}
