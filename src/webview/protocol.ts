/**
 * The messages between the extension host (src/panels/) and the panels' webviews (src/webview/).
 * Both sides import this file with `import type` only, so the two bundles cannot drift apart and
 * neither carries the other's code.
 *
 * Every webview posts `ready` once it listens (and again after VS Code reloads a hidden panel);
 * the host posts nothing before it.
 */
import type { StatusName } from '../core/store/types';
import type { TableColumns, TableSort } from '../core/store/runTable';
import type { PreviewKind } from '../core/artifacts/preview';
import type { ChartOptions } from '../core/charts/lines';
import type { RunGroup } from '../core/runs/groups';
import type { ColumnLayout } from '../core/runs/columnLayout';
import type { ImportanceRun } from '../core/importance/forest';

export type { ChartOptions, ColumnLayout, RunGroup, PreviewKind, StatusName, TableColumns, TableSort };

export type PanelKind = 'details' | 'compare' | 'table';

/** What every webview may say. */
export type CommonFromWebview =
  | { type: 'ready' }
  /** A Content-Security-Policy violation: logged by the host, and a test failure. */
  | { type: 'cspViolation'; directive: string; blocked: string };

/**
 * What a panel shows, kept by VS Code with the page (the webview's state) so the panel comes back
 * after a window reload: the host posts it on `ready`, the page stores it, VS Code hands it to the
 * panel serializer.
 */
export type PanelMemento =
  | { kind: 'details'; folder: string; uid: string; charts?: ChartOptions }
  | { kind: 'compare'; runs: { folder: string; uid: string }[]; charts?: ChartOptions }
  | { kind: 'table'; folder: string; experimentId: number };

/** How the page's charts are drawn, changed on the page: the panel keeps it in its memento. */
export type ChartOptionsFromWebview = { type: 'chartOptions'; options: ChartOptions };

/** What the host may say to every webview. */
export type CommonToWebview = { type: 'remember'; memento: PanelMemento };

/** One metric's history, sorted by step, at most a few thousand points (see src/panels/series.ts). */
export interface Series {
  steps: number[];
  /** When each step's value was logged (ms since the epoch). */
  times: number[];
  /** null where the value was NaN or infinite. */
  values: (number | null)[];
  /** Points logged, before thinning for display. */
  logged: number;
}

// ---- artifacts (both panels) ------------------------------------------------------------------

/** A file a run keeps, as the panels list it. */
export interface ArtifactItem {
  /** Relative to the run's artifact folder, '/' between folders. */
  path: string;
  size: number;
  /** How the page shows it (src/core/artifacts/preview.ts). */
  kind: PreviewKind;
}

/**
 * One artifact, read by the host up to a cap and shaped for the page: an image as a data: URL
 * (an SVG too, shown by <img>, never as markup), text as text, a CSV as rows. `none` says why
 * there is nothing to show (too big, binary, gone) and the page offers to open or reveal it.
 */
export type ArtifactPreview = { path: string; size: number } & (
  | { kind: 'image'; src: string }
  | { kind: 'text' | 'json' | 'yaml' | 'markdown'; text: string; truncated: boolean }
  | { kind: 'csv'; rows: string[][]; truncated: boolean }
  | { kind: 'none'; reason: string });

// ---- run details ----------------------------------------------------------------------------

export interface DetailsView {
  uid: string;
  title: string;
  experiment: string;
  status: StatusName;
  deleted: boolean;
  startTime: number | null;
  endTime: number | null;
  /** When the run's log last said anything (a heartbeat, a metric). */
  lastUpdate: number | null;
  params: [key: string, value: string][];
  /** Values as numbers, non-finite ones as the strings 'NaN', 'Infinity', '-Infinity' (JSON has no such numbers). */
  metrics: {
    key: string; last: number | string | null; min: number | string | null; max: number | string | null;
    /** The max when higher is better, else the min (the goal: the keyMetricGoal setting, else the metric's name). */
    best: number | string | null; higherIsBetter: boolean; lastStep: number; count: number;
  }[];
  tags: [key: string, value: string][];
  note: string;
  code: {
    scriptPath: string | null;
    scriptSha256: string | null;
    /** How the script on disk compares with the one the run recorded. */
    script: 'same' | 'changed' | 'missing' | 'unknown';
    commit: string | null;
    branch: string | null;
    dirty: boolean | null;
  };
  host: string | null;
  error: { type?: string; message?: string; traceback?: string } | null;
  history: Record<string, Series>;
  /** The run's files; `unavailable` says why they cannot be read here (an imported run's artifacts on a server, say). */
  artifacts: { files: ArtifactItem[]; unavailable: string | null };
}

export type DetailsToWebview =
  /** `charts`: how the panel draws its charts (the page keeps its own once it has one). */
  | { type: 'details'; run: DetailsView; charts: ChartOptions }
  | { type: 'missing'; uid: string }
  | { type: 'artifact'; uid: string; preview: ArtifactPreview };

export type DetailsFromWebview =
  | CommonFromWebview
  | ChartOptionsFromWebview
  | { type: 'saveNote'; text: string }
  | { type: 'addTag'; key: string; value: string }
  | { type: 'removeTag'; key: string }
  | { type: 'openScript' }
  | { type: 'revealLog' }
  | { type: 'previewArtifact'; path: string }
  /** Opens the file in a VS Code editor. */
  | { type: 'openArtifact'; path: string }
  /** Shows the file in the system's file manager. */
  | { type: 'revealArtifact'; path: string };

// ---- comparison -----------------------------------------------------------------------------

export interface CompareRun {
  uid: string;
  label: string;
  experiment: string;
  status: StatusName;
  params: Record<string, string>;
  /** Latest values; null where missing or NaN. */
  metrics: Record<string, number | null>;
  /** Each metric's lowest and highest value over the run (null where NaN only). */
  range: Record<string, { min: number | null; max: number | null }>;
}

export interface CompareView {
  runs: CompareRun[];
  /** Every parameter key; `differs` when the runs' values differ by meaning (1e-3 is 0.001). */
  params: { key: string; differs: boolean }[];
  metrics: { key: string; higherIsBetter: boolean }[];
  /** The metric the parallel-coordinates plot starts with. */
  keyMetric: string | null;
  /** Per metric, one series per run (same order as `runs`), null where a run did not log it. */
  history: Record<string, (Series | null)[]>;
  /** Every artifact path of the runs: those more runs share first; `sizes` per run, null where a run has none there. */
  artifacts: { path: string; kind: PreviewKind; sizes: (number | null)[] }[];
}

export type CompareToWebview =
  | { type: 'compare'; view: CompareView; charts: ChartOptions }
  /** The artifact at `path` of each run (same order as `runs`), null where a run has none. */
  | { type: 'artifacts'; path: string; previews: (ArtifactPreview | null)[] };

export type CompareFromWebview =
  | CommonFromWebview
  | ChartOptionsFromWebview
  | { type: 'export'; format: 'csv' | 'json' }
  | { type: 'openRun'; index: number }
  /** The two runs' scripts in VS Code's diff editor (RunLens: Compare Code). */
  | { type: 'compareCode' }
  /** Compare only these runs (indices into `runs`): what the brushes kept, in this panel. */
  | { type: 'compareSubset'; indices: number[] }
  | { type: 'compareArtifact'; path: string }
  | { type: 'openArtifact'; index: number; path: string };

// ---- runs table -----------------------------------------------------------------------------

export interface TableRow {
  uid: string;
  name: string | null;
  /** What the tree calls the run: its name, else the parameters that tell it apart. */
  label: string;
  status: StatusName;
  deleted: boolean;
  startTime: number | null;
  /** Aligned with the columns' params; null where the run has none. */
  params: (string | null)[];
  /** Aligned with the columns' metrics; null where missing or NaN. */
  metrics: (number | null)[];
}

export interface TableState { sort: TableSort | null; filter: string }

export type TableToWebview =
  /** A new ordering or filter (or the store changed): everything the webview cached is stale. */
  | { type: 'reset'; generation: number; experiment: string; total: number; columns: TableColumns; state: TableState; error?: string;
    /** Which columns show, in what order, which are pinned: kept per experiment. */
    layout: ColumnLayout }
  | { type: 'rows'; generation: number; offset: number; rows: TableRow[] }
  /**
   * The runs the filter keeps, grouped: `ignored` the keys the grouping ignored (the defaults when
   * the page asked for none), `grouped` how many runs (the first `grouped` of `total` in the
   * table's order, when there are more than the host groups at once).
   */
  | { type: 'groups'; groups: RunGroup[]; metrics: { key: string; higherIsBetter: boolean }[]; keys: string[]; defaults: string[]; ignored: string[]; grouped: number; total: number }
  /** The runs the filter keeps (the first `runs.length` of `total` in the table's order), their params and last value of `metric`, for the page to weigh the params. */
  | { type: 'importance'; metric: string; runs: ImportanceRun[]; total: number };

export type TableFromWebview =
  | CommonFromWebview
  | { type: 'query'; state: TableState }
  /** The person changed which columns show, their order or pins: kept for the experiment. */
  | { type: 'columns'; layout: ColumnLayout }
  /** The runs the filter keeps, to weigh their params against this metric. */
  | { type: 'importance'; metric: string }
  /** Group the runs the filter keeps, ignoring these keys (null: the defaults). */
  | { type: 'groups'; ignored: string[] | null }
  | { type: 'rows'; generation: number; offset: number; limit: number }
  | { type: 'openRun'; uid: string }
  | { type: 'compare'; uids: string[] };
