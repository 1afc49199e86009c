/**
 * What the Runs view says when it has no runs to list, and the line it shows above them: pure, so
 * the rule (a folder without a store is new, not broken) is tested in plain Node.
 */

/** The `runlens.state` context key, which picks the view's welcome content (package.json `viewsWelcome`). */
export type ViewState = 'noFolder' | 'empty' | 'ready' | 'error';

/** What is known of one workspace folder's store. */
export interface FolderFacts {
  /** The folder has a store: `.runlens/` on disk, or one started by a launch or an import. */
  hasStore: boolean;
  /** Its store could not be opened (the output says why). */
  failed: boolean;
  /** Its runs, deleted ones included, when its store is open. */
  runs?: number;
}

/**
 * A folder without a store is a new project: the store is created when the first run needs it (a
 * Python process logging, a launch, an import), so the view says how to log one. Only a store that
 * really failed, in every folder that has one, is an error.
 */
export function viewState(folders: readonly FolderFacts[]): ViewState {
  if (!folders.length) return 'noFolder';
  if (folders.some((f) => (f.runs ?? 0) > 0)) return 'ready';
  const withStore = folders.filter((f) => f.hasStore);
  if (withStore.length && withStore.every((f) => f.failed)) return 'error';
  return 'empty';
}

/** The view's message line under a filter: the filter itself, and how many runs it leaves. */
export function filterMessage(filter: string, matching: number, total: number): string {
  // Worded as the experiments under the filter are ("2 of 3 runs match").
  return `Filter: ${filter} · ${matching} of ${total} runs match`;
}
