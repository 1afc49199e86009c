import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { CommonFromWebview, CommonToWebview, PanelKind, PanelMemento } from '../webview/protocol';
import type { FolderStore } from '../store/folderStores';
import { onStoreChange } from './storeEvents';

/** What the integration tests may see of an open panel (through RunLensApi.panels). */
export interface PanelProbe {
  readonly kind: PanelKind;
  readonly title: string;
  /** Whether the webview has said it listens. */
  readonly ready: boolean;
  /** The last messages posted to the webview, oldest first. */
  readonly posted: readonly unknown[];
  /** What the page's Content-Security-Policy blocked (nothing, unless something is wrong). */
  readonly cspViolations: readonly string[];
  /** Handles a message as if the webview had sent it. */
  deliver(message: unknown): Promise<void>;
}

export interface PanelContext {
  extensionUri: vscode.Uri;
  log: vscode.LogOutputChannel;
  /** What panels keep for this workspace beyond one panel's life (the runs table's columns per experiment). */
  workspaceState: vscode.Memento;
}

/**
 * A webview panel with RunLens's rules: its own bundle (dist/webview/KIND.js), a strict CSP with a
 * nonce, local resources only from dist/ and media/, and a ready handshake: nothing is posted
 * before the webview says it listens. VS Code discards a hidden panel's page (no
 * retainContextWhenHidden, which would keep every table's DOM alive), so the page says `ready`
 * again when shown and the subclass posts its state again.
 */
export abstract class Panel<ToWebview, FromWebview extends { type: string }> implements PanelProbe, vscode.Disposable {
  readonly panel: vscode.WebviewPanel;
  ready = false;
  readonly posted: ToWebview[] = [];
  readonly cspViolations: string[] = [];
  protected readonly disposables: vscode.Disposable[] = [];
  private readonly disposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposeEmitter.event;
  private disposed = false;

  /** `revived`: a panel VS Code restored after a window reload (see the serializers in index.ts). */
  constructor(readonly kind: PanelKind, title: string, protected readonly ctx: PanelContext, revived?: vscode.WebviewPanel) {
    const roots = [vscode.Uri.joinPath(ctx.extensionUri, 'dist'), vscode.Uri.joinPath(ctx.extensionUri, 'media')];
    const options = { enableScripts: true, localResourceRoots: roots };
    this.panel = revived ?? vscode.window.createWebviewPanel(`runlens.${kind}`, title, vscode.ViewColumn.Active, options);
    if (revived) { revived.webview.options = options; revived.title = title; }
    this.panel.iconPath = vscode.Uri.joinPath(ctx.extensionUri, 'media', 'runlens.svg');
    this.panel.webview.html = html(this.panel.webview, ctx.extensionUri, kind, title);
    this.disposables.push(
      this.panel.webview.onDidReceiveMessage((m: FromWebview) => this.deliver(m)),
      this.panel.onDidChangeViewState(() => { if (!this.panel.visible) this.ready = false; }),
      this.panel.onDidDispose(() => this.dispose()),
    );
  }

  get title(): string { return this.panel.title; }

  async deliver(message: unknown): Promise<void> {
    const m = message as FromWebview | CommonFromWebview;
    try {
      if (m.type === 'ready') {
        this.ready = true;
        this.remember();
        await this.onReady();
      } else if (m.type === 'cspViolation') {
        const v = m as Extract<CommonFromWebview, { type: 'cspViolation' }>;
        this.cspViolations.push(`${v.directive}: ${v.blocked}`);
        this.ctx.log.warn(`The ${this.kind} panel broke its Content-Security-Policy (${v.directive}): ${v.blocked}`);
      } else {
        await this.onMessage(m as FromWebview);
      }
    } catch (e) {
      this.ctx.log.error(`The ${this.kind} panel could not handle '${m.type}': ${(e as Error).stack ?? e}`);
      void vscode.window.showErrorMessage(`RunLens: ${(e as Error).message}`);
    }
  }

  /** Tells the page what the panel shows now, for VS Code to keep (a window reload brings it back). */
  protected remember(): void {
    if (this.ready && !this.disposed) void this.panel.webview.postMessage({ type: 'remember', memento: this.memento() } satisfies CommonToWebview);
  }

  /** Posts to the webview if it listens; a page that is not ready asks for everything again when it is. */
  protected post(message: ToWebview): void {
    if (!this.ready || this.disposed) return;
    this.posted.push(message);
    if (this.posted.length > 50) this.posted.shift();
    void this.panel.webview.postMessage(message);
  }

  /** Posts the panel's whole state. */
  protected abstract onReady(): Promise<void>;
  /** What it shows, so VS Code can bring it back after a window reload. */
  protected abstract memento(): PanelMemento;
  protected abstract onMessage(message: FromWebview): Promise<void>;

  /** Calls `fn` when the store changes (throttled), for as long as the panel lives. */
  protected follow(store: FolderStore, everyMs: number, fn: () => Promise<void>): void {
    this.disposables.push(this.followStore(store, everyMs, fn));
  }

  /** As follow(), until the returned disposable is disposed. */
  protected followStore(store: FolderStore, everyMs: number, fn: () => Promise<void>): vscode.Disposable {
    return onStoreChange(store, everyMs, fn, (e) => this.ctx.log.warn(`The ${this.kind} panel could not follow the store: ${e.message}`));
  }

  reveal(): void { this.panel.reveal(); }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.disposeEmitter.fire();
    this.disposeEmitter.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

function html(webview: vscode.Webview, extensionUri: vscode.Uri, kind: PanelKind, title: string): string {
  const nonce = randomBytes(16).toString('hex');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${kind}.js`));
  // Styles come from the bundle as a <style> carrying the nonce; uPlot sets only CSSOM styles.
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `img-src ${webview.cspSource} data:`,
    `font-src ${webview.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(title)}</title>
</head>
<body>
<main id="root" aria-busy="true"></main>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
