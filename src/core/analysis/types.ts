/**
 * What the analysis reports. Offsets are UTF-16 code units into the analysed source (as VS Code's
 * `TextDocument.offsetAt` counts them); lines are 1-based and columns 0-based.
 */

/** A literal value in the source, where a hover can sit. */
export interface LiteralValue {
  /**
   * The value's Python meaning as JSON: `1e-3` -> 0.001, `None` -> null, tuples -> arrays (marked
   * as tuples for `pythonStr`, see canonical.ts).
   */
  value: unknown;
  /** The literal as written (`1e-3`, `-0.5`, `"adam"`). */
  text: string;
  from: number;
  to: number;
  line: number;
  col: number;
  /** In a notebook, the code cell the literal is in (it may be an earlier cell than the loop's). */
  cell?: number;
}

export interface ExperimentLoop {
  /** 1-based line of the outermost `for` of the nest. */
  line: number;
  /** Offsets of that `for` statement. */
  from: number;
  to: number;
  /** Parameter keys the nest varies or logs: by the loop that varies them (outermost first), then constants. */
  keys: string[];
  /** Keys whose value cannot be known statically (in at least one combination). */
  unknown: string[];
  /** Every distinct combination after static `continue` filters, with known keys only. */
  combinations: Record<string, unknown>[];
  /**
   * How many runs each combination gets (parallel to `combinations`): more than 1 when an inner
   * loop repeats it without logging its variable (`for seed in range(3)`, `for _ in range(5)`).
   */
  repeats: number[];
  /**
   * Whether the runs are logged to a tracker. An untracked loop records its results elsewhere (a
   * list, a dict, a file); its combinations cannot be matched against any run.
   */
  tracked: boolean;
  /**
   * For a loop over a function's parameters, the calls it is enumerated through, in the order
   * found (a notebook's may be in other cells), each with the indices of the combinations it runs.
   */
  calls?: { line: number; cell?: number; combinations: number[] }[];
  /**
   * Set when the combinations are not run by a `for` of the script but by a library, at the call
   * the loop is reported at: scikit-learn's search (`GridSearchCV(..)`), a W&B sweep (`wandb.sweep(..)`).
   */
  runBy?: 'sklearn' | 'wandb';
  /** Where each literal value of each key sits. */
  valueSites: { key: string; value: unknown; site: LiteralValue }[];
  /** The loop asks a tracker at run time whether a combination exists (`runlens.exists`, `runlens.grid`). */
  runtimeSkip: boolean;
  /**
   * The experiment the runs are logged to, when the source names it with a string: the start
   * call's `experiment=`, else the last `set_experiment(..)` before the runs start (also in an
   * earlier notebook cell), else `wandb.init(project=..)`. Absent when not known statically.
   */
  experiment?: string;
  notes: string[];
  /**
   * Not a `for` loop of the file's own but an Optuna search: `grid` is a `study.optimize(..)` whose
   * study samples with `GridSampler(search_space)` (the combinations are the grid's points, the
   * keys its parameters); `enqueue` a loop of `study.enqueue_trial({..})` calls. The study's name,
   * when the code gives it, is `experiment` (RunLens imports a study as an experiment).
   */
  optuna?: { kind: 'grid' | 'enqueue' };
  /**
   * Where and how a runner can tell, at run time, which combination an iteration is: the
   * innermost loop of the nest and, per key that varies, a Python expression valid at the top of
   * its body. Absent when the nest is not one chain of loops.
   */
  guard?: LoopGuard;
}

export interface AnalyzeOptions {
  /** Called for a loop whose analysis failed; that loop gets no result, the others still do. */
  onError?: (error: unknown, line: number) => void;
}

/** Where a runner guards a loop, and what it reads there (see reads.ts). */
export interface LoopGuard {
  /** 1-based line and 0-based column of the `for` whose body gets the guard. */
  line: number;
  col: number;
  /** Python expressions, valid at the top of that body, giving each key that varies. */
  reads: Record<string, string>;
}
