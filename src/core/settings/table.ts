/**
 * Every RunLens setting: its type, default, allowed values, scope, place in the Settings editor and
 * the words a person reads there. The one owner: package.json's `contributes.configuration` is
 * written from this table (`npm run manifest:settings`, see ./manifest.ts) and a unit test fails
 * when the two differ; `src/settings` reads values through it.
 *
 * Descriptions are Markdown: `code` and links to other settings as `#runlens.keyMetric#` (in
 * backticks), which the Settings editor turns into a link.
 */

export type SettingScope = 'application' | 'machine' | 'machine-overridable' | 'window' | 'resource' | 'language-overridable';

interface Common {
  /** Which Settings editor group the setting is in (GROUPS). */
  group: GroupId;
  /** Its place within the group. */
  order: number;
  scope: SettingScope;
  description: string;
}
interface StringSetting extends Common { type: 'string'; default: string }
interface EnumSetting extends Common {
  type: 'string';
  default: string;
  enum: readonly string[];
  /** One per value of `enum`, in its order. */
  enumDescriptions: readonly string[];
}
interface BooleanSetting extends Common { type: 'boolean'; default: boolean }
interface NumberSetting extends Common { type: 'integer' | 'number'; default: number; minimum?: number }
interface StringListSetting extends Common { type: 'array'; items: { type: 'string' }; default: readonly string[] }
/** A list of MLflow tracking servers: URIs, or `{uri, experiments}` (read by src/mlflow/serverSettings.ts, per level). */
interface ServerListSetting extends Common { type: 'array'; items: Readonly<Record<string, unknown>>; default: readonly never[]; servers: true }
interface StringMapSetting extends Common { type: 'object'; additionalProperties: { type: 'string' }; default: Readonly<Record<string, string>> }
export type SettingSpec = StringSetting | EnumSetting | BooleanSetting | NumberSetting | StringListSetting | ServerListSetting | StringMapSetting;

/** The configuration section: every key below is `runlens.<key>`. */
export const SECTION = 'runlens';

/**
 * The Settings editor's groups, in order, under RunLens. The ids start with `runlens.` on purpose:
 * the editor shortens a setting's title by its group's id, so `runlens.lens.scope` reads
 * "Lens: Scope" under "Experiment Loops"; a group without such an id would show "Runlens › Lens: Scope".
 */
export const GROUPS = {
  runs: { id: 'runlens.runs', title: 'Runs', order: 1 },
  loops: { id: 'runlens.loops', title: 'Experiment Loops', order: 2 },
  launch: { id: 'runlens.launch', title: 'Running Experiments', order: 3 },
  mlflow: { id: 'runlens.mlflow', title: 'MLflow', order: 4 },
  optuna: { id: 'runlens.optuna', title: 'Optuna', order: 5 },
} as const;
export type GroupId = keyof typeof GROUPS;

export const SETTINGS = {
  keyMetric: {
    group: 'runs', order: 1, scope: 'resource', type: 'string', default: '',
    description: 'The metric that ranks runs, in the Runs view, the CodeLens, the panels and sweeps, for example `accuracy`. ' +
      'Empty, or not logged by a run: a score such as `accuracy`, `f1` or `auc` if it logged one, else a loss, else its first metric by name. ' +
      'An experiment can have its own: `#runlens.keyMetricByExperiment#`.',
  },
  keyMetricGoal: {
    group: 'runs', order: 2, scope: 'resource', type: 'string', default: 'auto',
    enum: ['maximize', 'minimize', 'auto'],
    enumDescriptions: [
      'Higher is better, for every key metric.',
      'Lower is better, for every key metric.',
      'Lower is better for a metric whose name reads like a loss, an error or a cost (`loss`, `err`, `mse`, `mae`, `perplexity`, `latency`, `time`, `cost`); higher for the rest.',
    ],
    description: 'Whether a higher key metric is better: which run is best, and which way the runs are sorted.',
  },
  keyMetricByExperiment: {
    group: 'runs', order: 3, scope: 'resource', type: 'object', additionalProperties: { type: 'string' }, default: {},
    description: 'The key metric per experiment, for example `{"tune-mlp": "accuracy", "regression": "val_loss"}`; experiments not listed use `#runlens.keyMetric#`.',
  },

  'lens.scope': {
    group: 'loops', order: 1, scope: 'resource', type: 'string', default: 'experiment',
    enum: ['experiment', 'workspace'],
    enumDescriptions: [
      'A loop whose code names its experiment (`set_experiment`, `start_run(experiment=…)`, `wandb.init(project=…)`) is checked against that experiment\'s runs only; other loops against every run of the workspace folder.',
      'Every loop is checked against every run of the workspace folder.',
    ],
    description: 'Which runs count when RunLens says that a combination of a loop is already logged: in the CodeLens, hovers and diagnostics, and when it runs the missing combinations.',
  },
  'diagnostics.level': {
    group: 'loops', order: 2, scope: 'resource', type: 'string', default: 'information',
    enum: ['off', 'hint', 'information', 'warning', 'error'],
    enumDescriptions: [
      'No diagnostics; the CodeLens and hovers stay.',
      'A hint: dots under the value, not listed in the Problems panel.',
      'An information diagnostic, listed in the Problems panel.',
      'A warning.',
      'An error.',
    ],
    description: 'How a literal value of an experiment loop is marked when every combination with it is already logged.',
  },
  'inlayHints.enabled': {
    group: 'loops', order: 3, scope: 'resource', type: 'boolean', default: true,
    description: 'After each value of an experiment loop (`0.01 ▸ accuracy 0.8100 · 2/2`), show the best key-metric result of the runs with that value and how many of its combinations are logged. VS Code\'s `editor.inlayHints.enabled` turns all inlay hints off too.',
  },

  pythonPath: {
    group: 'launch', order: 1, scope: 'machine-overridable', type: 'string', default: '',
    description: 'The Python interpreter that `RunLens: Run Experiment`, `Run Sweep…` and reruns use when the Python extension is not installed or has no active environment. ' +
      'Empty: `python3` (or `python`) on PATH. `${workspaceFolder}` and `~` are expanded; a relative path is relative to the workspace folder. ' +
      'A path on this machine: in a remote window, set it under Remote or Workspace.',
  },
  'pythonClient.addToTerminals': {
    group: 'launch', order: 2, scope: 'window', type: 'boolean', default: true,
    description: 'Put the bundled Python client on `PYTHONPATH` in VS Code\'s integrated terminals, so that `import runlens` works there.',
  },
  'pythonClient.keepScriptCopies': {
    group: 'launch', order: 3, scope: 'window', type: 'boolean', default: true,
    description: 'Let the Python client keep a copy of the script each run ran under `.runlens/code/`, named by its content\'s sha256 (once per distinct content, scripts up to 1 MB), so that `RunLens: Compare Code` can show how two runs\' code differs. ' +
      'Applies to runs RunLens starts and to VS Code\'s integrated terminals; elsewhere the environment variable `RUNLENS_KEEP_CODE=0` turns it off.',
  },
  'sweep.argumentStyle': {
    group: 'launch', order: 4, scope: 'resource', type: 'string', default: 'argparse',
    enum: ['argparse', 'hydra'],
    enumDescriptions: [
      '`--lr 0.001 --batch_size 32`',
      '`lr=0.001 batch_size=32` (Hydra overrides)',
    ],
    description: 'How a sweep (and a rerun) passes each combination to the script on its command line. A sweep file can say it too (`argumentStyle`, or W&B\'s `${args_no_hyphens}`). The combination is also in the environment as `RUNLENS_PARAMS` (JSON).',
  },
  'sweep.concurrency': {
    group: 'launch', order: 5, scope: 'resource', type: 'integer', default: 1, minimum: 1,
    description: 'How many combinations of a sweep run at the same time.',
  },

  'mlflow.autoImport': {
    group: 'mlflow', order: 1, scope: 'resource', type: 'string', default: 'ask',
    enum: ['ask', 'always', 'never'],
    enumDescriptions: [
      'Offer to import it.',
      'Import it without asking.',
      'Leave it alone (`RunLens: Import MLflow Runs…` still imports on demand).',
    ],
    description: 'What RunLens does when it finds an MLflow store (an `mlruns/` folder or an `mlflow.db` file) in the workspace. An imported store is followed: runs MLflow adds later appear in RunLens within seconds.',
  },
  'mlflow.locations': {
    group: 'mlflow', order: 2, scope: 'resource', type: 'array', items: { type: 'string' }, default: [],
    description: 'More places to look for MLflow stores, relative to the workspace folder: folders holding an `mlruns/` folder or an `mlflow.db` file (up to two folders down), or an `mlruns/` folder itself. A store found outside the folder is imported only once you say so when asked (in a trusted workspace), whatever `runlens.mlflow.autoImport` says.',
  },
  'mlflow.trackingServers': {
    group: 'mlflow', order: 4, scope: 'resource', type: 'array', servers: true, default: [],
    items: {
      anyOf: [
        { type: 'string', pattern: '^https?://', description: "The server's URI, e.g. http://mlflow.example.com:5000" },
        {
          type: 'object',
          properties: {
            uri: { type: 'string', pattern: '^https?://', description: "The server's URI" },
            experiments: { type: 'array', items: { type: 'string' }, description: 'The experiments to follow, by name; none or empty: all of them' },
          },
          required: ['uri'],
          additionalProperties: false,
        },
      ],
    },
    description: 'MLflow tracking servers whose runs RunLens follows, so that they count for the CodeLens, hovers, `exists()` and Run Sweep: URIs (`"http://mlflow.example.com:5000"`), or `{"uri": …, "experiments": ["tune-mlp"]}` to follow only some experiments. A server named by `MLFLOW_TRACKING_URI` is followed too. A server named only in a workspace\'s settings is not contacted until you trust the workspace. Credentials never go here: RunLens takes `MLFLOW_TRACKING_TOKEN` (or `MLFLOW_TRACKING_USERNAME` and `MLFLOW_TRACKING_PASSWORD`), or asks and keeps them in VS Code\'s secret storage.',
  },
  'mlflow.serverPollSeconds': {
    group: 'mlflow', order: 5, scope: 'resource', type: 'number', default: 15, minimum: 5,
    description: 'How often RunLens asks a followed MLflow tracking server what changed (new runs, runs that were running). A server that cannot be reached is asked less and less often, up to every 5 minutes. Takes effect when the folder\'s store next starts.',
  },
  'mlflow.abandonedAfterHours': {
    group: 'mlflow', order: 3, scope: 'resource', type: 'number', default: 24, minimum: 0,
    description: 'An MLflow run still marked RUNNING with no update for this many hours is shown with a hint that it looks abandoned (MLflow never ends runs whose process died).',
  },

  'optuna.autoImport': {
    group: 'optuna', order: 1, scope: 'resource', type: 'string', default: 'ask',
    enum: ['ask', 'always', 'never'],
    enumDescriptions: [
      'Offer to import its studies.',
      'Import them without asking.',
      'Leave them alone (`RunLens: Import Optuna Studies…` still imports on demand).',
    ],
    description: 'What RunLens does when it finds an Optuna storage in the workspace (an SQLite file holding Optuna\'s tables, or a `JournalFileStorage` file). An imported storage is followed: trials Optuna adds later appear in RunLens within seconds, and the storage is only ever read.',
  },
  'optuna.storages': {
    group: 'optuna', order: 2, scope: 'resource', type: 'array', items: { type: 'string' }, default: [],
    description: 'More Optuna storages to offer for import: `sqlite:///` URLs as in `optuna.create_study(storage=…)` (`sqlite:///study.db` relative to the workspace folder, `sqlite:////abs/study.db`) or paths of SQLite storages and journal files. One outside the folder is imported only once you say so when asked (in a trusted workspace), whatever `#runlens.optuna.autoImport#` says.',
  },
} as const satisfies Record<string, SettingSpec>;

export type SettingKey = keyof typeof SETTINGS;

type ValueOf<S> =
  S extends { enum: readonly (infer E)[] } ? E
    : S extends { type: 'string' } ? string
      : S extends { type: 'boolean' } ? boolean
        : S extends { type: 'integer' | 'number' } ? number
          : S extends { type: 'array' } ? string[]
            : S extends { type: 'object' } ? Record<string, string>
              : never;

/** The type of setting `K`'s value, as package.json declares it (`'auto' | 'maximize' | 'minimize'`, `number`…). */
export type SettingValue<K extends SettingKey> = ValueOf<(typeof SETTINGS)[K]>;
