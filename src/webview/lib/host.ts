/**
 * The webview's side of the handshake with the extension host: post `ready` once listening, report
 * CSP violations, and add styles under the page's nonce (the CSP allows no other inline style).
 */
import type { CommonFromWebview, CommonToWebview } from '../protocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

// Read while the bundle's own <script nonce> runs: later, currentScript is null.
const nonce = (document.currentScript as HTMLScriptElement | null)?.nonce ?? '';

export function addStyles(...css: string[]): void {
  const style = document.createElement('style');
  style.nonce = nonce;
  style.textContent = css.join('\n');
  document.head.append(style);
}

export interface HostConnection<Out, State> {
  post(message: Out): void;
  /** What VS Code keeps for this page while its panel is hidden (scroll position and the like). */
  state(): State | undefined;
  saveState(state: State): void;
}

/** The page's whole state as VS Code keeps it: the page's own UI state, and what the panel shows. */
interface Kept { ui?: unknown; memento?: unknown }

export function connect<In, Out, State = unknown>(onMessage: (message: In) => void): HostConnection<Out, State> {
  const api = acquireVsCodeApi();
  const kept = (): Kept => (api.getState() as Kept | undefined) ?? {};
  window.addEventListener('message', (e: MessageEvent) => {
    const m = e.data as In | CommonToWebview;
    // What the panel shows, for VS Code to hand back to the panel serializer after a reload.
    if ((m as CommonToWebview).type === 'remember') { api.setState({ ...kept(), memento: (m as CommonToWebview).memento }); return; }
    onMessage(m as In);
  });
  document.addEventListener('securitypolicyviolation', (e) => {
    api.postMessage({ type: 'cspViolation', directive: e.violatedDirective, blocked: e.blockedURI || e.sample } satisfies CommonFromWebview);
  });
  api.postMessage({ type: 'ready' } satisfies CommonFromWebview);
  return {
    post: (m) => api.postMessage(m),
    state: () => kept().ui as State | undefined,
    saveState: (s) => api.setState({ ...kept(), ui: s }),
  };
}
