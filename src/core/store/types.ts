import type { StatusName } from './paramIndex';

export type { StatusName };

export interface MetricSummary {
  key: string;
  /** Latest value (highest step, then latest time). NaN when that point was NaN. */
  last: number;
  lastStep: number;
  lastTime: number;
  min: number | null;
  max: number | null;
  count: number;
}

export interface ExperimentSummary {
  id: number;
  name: string;
  deleted: boolean;
  runs: number;
  running: number;
  /** An Optuna study imported as this experiment: the storage it is in, and its directions. */
  study?: { storage: string; directions: string[] };
}

export interface RunSummary {
  id: number;
  uid: string;
  experiment: string;
  experimentId: number;
  name: string | null;
  parentUid: string | null;
  status: StatusName;
  startTime: number | null;
  endTime: number | null;
  lastUpdate: number | null;
  deleted: boolean;
  params: Record<string, string>;
  metrics: Record<string, MetricSummary>;
}

/** A file a run keeps (its bytes stay where they are: `.runlens/artifacts/<run id>/`, or MLflow's artifact folder). */
export interface ArtifactEntry {
  /** Relative, '/' between folders. */
  path: string;
  size: number;
  /** null for imported runs: their files are listed, not read. */
  sha256: string | null;
  mediaType: string | null;
}

export interface RunDetail extends RunSummary {
  tags: Record<string, string>;
  note: string | null;
  scriptPath: string | null;
  scriptSha256: string | null;
  git: { commit: string | null; branch: string | null; dirty: boolean | null };
  host: string | null;
  pid: number | null;
  error: { type?: string; message?: string; traceback?: string } | null;
  /** The run log (relative to `.runlens/`) or the MLflow store the run came from. */
  source: string;
  artifacts: ArtifactEntry[];
  /** MLflow's `artifact_uri` of an imported run; null for RunLens's own (`.runlens/artifacts/<run id>/`). */
  artifactUri: string | null;
}

export interface RunQuery {
  experimentId?: number;
  /** Sort by a metric's latest value, or by start time (the default, newest first). */
  sort?: { metric: string; descending: boolean } | { by: 'start_time' | 'name'; descending: boolean };
  offset?: number;
  limit?: number;
  includeDeleted?: boolean;
  statuses?: StatusName[];
  /** Only runs with these ids. */
  ids?: number[];
  /** A filter query (src/core/runs/filter.ts), e.g. `params.lr = 0.01 and metrics.accuracy > 0.8`. */
  filter?: string;
}

/** A run matching a combination, as a lookup reports it. */
export interface MatchedRun {
  id: number; uid: string; status: StatusName; metric: number | null;
  scriptSha256: string | null; gitCommit: string | null; startTime: number | null; endTime: number | null;
}

/** The state of one combination of a grid, as a lookup reports it. */
export interface CombinationState {
  state: 'finished' | 'failed' | 'crashed' | 'killed' | 'running' | 'pruned' | 'queued' | 'never-run';
  /** How many matching runs there are, by status. */
  counts: Partial<Record<StatusName, number>>;
  /** The most telling matching runs (the best finished one first, then the newest), at most five. */
  runs: MatchedRun[];
  /** The best value of the key metric among the finished matching runs. */
  best: number | null;
  /**
   * The key metric over all the finished matching runs (not only those in `runs`): their number,
   * sum and sum of squares, so repeats of a setting (seeds) can be averaged and pooled.
   */
  results?: MetricTally;
}

/** Values of a metric, tallied: enough for their mean and standard deviation, and to pool tallies. */
export interface MetricTally { n: number; sum: number; sumSq: number }
