import * as vscode from 'vscode';
import type { AllowedSources } from '../core/store/sourcePolicy';

const KEY = 'runlens.allowedSources';

/**
 * This user's list, on this machine, of the sources outside each workspace folder that its store may
 * follow (SourcePolicy decides with it). Kept in the extension's global state, never in the workspace:
 * a workspace cannot add to it; only the person can, by importing a store or answering a prompt.
 */
export class UserAllowedSources implements AllowedSources {
  constructor(private readonly state: vscode.Memento) {}

  list(folder: string): readonly string[] {
    const entries = this.all()[folder];
    return Array.isArray(entries) ? entries.filter((e) => typeof e === 'string') : [];
  }

  async add(folder: string, source: string): Promise<void> {
    const all = this.all();
    all[folder] = [...new Set([...this.list(folder), source])];
    await this.state.update(KEY, all);
  }

  private all(): Record<string, string[]> {
    const v = this.state.get<Record<string, string[]>>(KEY);
    return v && typeof v === 'object' ? { ...v } : {};
  }
}
