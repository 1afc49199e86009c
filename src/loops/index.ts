import type * as vscode from 'vscode';
import type { FolderStores } from '../store/folderStores';
import { registerCombinationPicker } from './combinations';
import { LoopDiagnostics } from './diagnostics';
import { LoopHoverProvider } from './hover';
import { LoopInlayHints } from './inlay';
import { TrackLoopActions } from './trackAction';
import { LoopLensProvider } from './lens';
import { LoopService } from './service';

export { LoopService, type LoopInsight } from './service';

/**
 * The loops feature: one service per window, and the lens, hovers, inlay hints, diagnostics,
 * picker and the "Track This Loop" action on it.
 */
export function registerLoops(context: vscode.ExtensionContext, stores: FolderStores, log: vscode.LogOutputChannel): LoopService {
  const loops = new LoopService(stores, log);
  context.subscriptions.push(loops, new LoopLensProvider(loops), new LoopHoverProvider(loops), new LoopDiagnostics(loops),
    new LoopInlayHints(loops), new TrackLoopActions(loops));
  registerCombinationPicker(context, loops);
  return loops;
}
