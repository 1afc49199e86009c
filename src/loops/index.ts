import type * as vscode from 'vscode';
import type { FolderStores } from '../store/folderStores';
import type { CommandSpec } from '../commands';
import { Disposable } from '../disposable';
import { combinationCommands } from './combinations';
import { LoopDiagnostics } from './diagnostics';
import { LoopHoverProvider } from './hover';
import { LoopInlayHints } from './inlay';
import { TrackLoopActions } from './trackAction';
import { LoopLensProvider } from './lens';
import { LoopService } from './service';
import { SuggestionHoverProvider } from './suggestionHover';

export { LoopService, type LoopInsight } from './service';

/**
 * The loops feature: one service per window, and the lens, hovers, inlay hints, diagnostics,
 * picker and the "Track This Loop" action on it.
 */
export class LoopsFeature extends Disposable {
  readonly service: LoopService;
  readonly commands: CommandSpec[];

  constructor(stores: FolderStores, log: vscode.LogOutputChannel) {
    super();
    this.service = this.track(new LoopService(stores, log));
    this.track(new LoopLensProvider(this.service));
    this.track(new LoopHoverProvider(this.service));
    this.track(new SuggestionHoverProvider(this.service));
    this.track(new LoopDiagnostics(this.service));
    this.track(new LoopInlayHints(this.service));
    const track = this.track(new TrackLoopActions(this.service));
    this.commands = [...combinationCommands(this.service), ...track.commands];
  }
}
