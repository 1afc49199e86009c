// Helpers for tests of the editor panels: what a panel posted to its webview.
import { waitFor } from './host';
import { api } from './launch';
import type { PanelProbe } from '../../../src/panels/panel';

/** The open panel of this kind once its webview said it is ready, and the last message of `type` it was sent, once that one is what `accept` wants. */
export async function posted<M extends { type: string }>(kind: PanelProbe['kind'], type: M['type'], accept: (m: M) => boolean = () => true, timeoutMs = 30_000): Promise<{ panel: PanelProbe; message: M }> {
  const { panels } = await api();
  return waitFor(`the ${kind} panel to post '${type}'`, () => {
    for (const panel of panels.open().filter((p) => p.kind === kind && p.ready)) {
      const message = [...panel.posted].reverse().find((m) => (m as M).type === type) as M | undefined;
      if (message && accept(message)) return { panel, message };
    }
    return undefined;
  }, timeoutMs);
}
