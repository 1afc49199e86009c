/**
 * Which calls log parameters or start runs, and where their keys and values sit in the syntax.
 * Trackers: MLflow (`log_param(s)`, `start_run`; also as `runlens.mlflow`; `MlflowClient`'s
 * `create_run`, `log_param`, `log_batch`; `mlflow.run`, a project run with its `parameters`), the
 * RunLens client (`log_param(s)`, `start_run(params=...)`, `exists(...)`), W&B
 * (`init(config=...)`, `config.update(...)`, `config.x = ...`, also on the run `wandb.init()`
 * returns), under any import alias; and a script launched per combination (`subprocess.run([..])`,
 * `os.system(..)`: launches.ts reads its command line). Also the experiment a run goes to
 * (`set_experiment`, `start_run(experiment=..)`, `wandb.init(project=..)`).
 */
import { qualifiedName } from './builtins';
import { lookup } from './scope';
import { argNodes, children, type ArgNodes, type SyntaxNode } from './syntax';
import { text, type Env } from './evalEnv';
import { enqueueSites } from './optuna';

/** How a parameter's name is given: as an expression, or fixed by syntax (`wandb.config.lr = ..`). */
export type KeySource = { node: SyntaxNode } | { name: string };

export type SiteSpec =
  | { kind: 'param'; key: KeySource; value: SyntaxNode }
  /** A dict of parameters, or a list of (key, value) pairs (`log_batch(params=[Param(k, v)])`). */
  | { kind: 'params'; dict: SyntaxNode }
  /** `optuna`: an Optuna trial enqueued (`study.enqueue_trial(..)`), run when the study optimises. */
  | { kind: 'start'; optuna?: boolean }
  /** A process launched with a command line whose options are the parameters (launches.ts). */
  | { kind: 'argv'; command: SyntaxNode }
  /** An untracked loop's own variables as its parameters (untracked.ts); the site's loop is that loop. */
  | { kind: 'target' }
  /** A run-time check for an existing result (`runlens.exists(params)`, `tracker.exists(...)`). */
  | { kind: 'exists' }
  /**
   * An argument naming the experiment: of a start call (`run`), of `set_experiment` (`set`), or
   * W&B's project (`project`). Without `arg` (it may hide in `**kwargs`), or `byId`, the name is
   * not known.
   */
  | { kind: 'experiment'; via: 'run' | 'set' | 'project'; arg?: SyntaxNode; byId?: boolean };

const START = new Set(['mlflow.start_run', 'runlens.start_run', 'wandb.init']);
const NOT_A_RESULT_CHECK = /^(os|pathlib|shutil|glob|genericpath|posixpath|ntpath)\./;
const MLFLOW_CLIENT = /^mlflow\.(?:tracking\.(?:client\.)?|client\.)?MlflowClient$/;
/** Calls that run a command: its first argument (a list of strings, or one string). */
const LAUNCH = new Set(['subprocess.run', 'subprocess.call', 'subprocess.check_call', 'subprocess.check_output',
  'subprocess.Popen', 'os.system', 'os.popen']);


export function classifyCall(call: SyntaxNode, env: Env): SiteSpec[] {
  const callee = call.firstChild;
  if (!callee) return [];
  const args = argNodes(call.getChild('ArgList'), env.ctx.unit.source);
  const lastName = callee.name === 'MemberExpression' ? callee.lastChild : callee;
  const q = qualifiedName(callee, env);
  if (lastName && text(env, lastName) === 'exists' && (args.positional.length || args.keywords.size)
    && !(q && NOT_A_RESULT_CHECK.test(q))) return [{ kind: 'exists' }];
  if (lastName && text(env, lastName) === 'enqueue_trial') return enqueueSites(call, env) ?? [];
  // `import runlens.mlflow as mlflow` is MLflow's fluent API, logging to RunLens.
  const shim = !!q?.startsWith('runlens.mlflow.');
  const name = shim ? q!.slice('runlens.'.length) : q ?? handleCall(callee, env);
  if (!name) return [];
  if (LAUNCH.has(name)) {
    const command = args.keywords.get('args') ?? args.keywords.get('command') ?? args.positional[0];
    return command ? [{ kind: 'argv', command }] : [];
  }
  const arg = (i: number, kw: string) => args.keywords.get(kw) ?? (args.spreads.length ? undefined : args.positional[i]);
  switch (name) {
    case 'mlflow.log_param': case 'runlens.log_param': {
      const key = arg(0, 'key'), value = arg(1, 'value');
      return key && value ? [{ kind: 'param', key: { node: key }, value }] : [];
    }
    // MlflowClient: the run is the first argument.
    case 'client.log_param': {
      const key = arg(1, 'key'), value = arg(2, 'value');
      return key && value ? [{ kind: 'param', key: { node: key }, value }] : [];
    }
    case 'client.log_batch': {
      const d = arg(2, 'params');
      return d ? [{ kind: 'params', dict: d }] : [];
    }
    case 'client.create_run': return [{ kind: 'start' }, ...experimentSite('run', arg(0, 'experiment_id'), args, true)];
    // An MLflow Projects run: mlflow.run(uri, entry_point, version, parameters, ..., experiment_name, experiment_id).
    case 'mlflow.run': case 'mlflow.projects.run': {
      const d = arg(3, 'parameters');
      const byName = args.keywords.get('experiment_name');
      const experiment = byName ? experimentSite('run', byName, args) : experimentSite('run', args.keywords.get('experiment_id'), args, true);
      return [{ kind: 'start' }, ...(d ? [{ kind: 'params', dict: d } as const] : []), ...experiment];
    }
    case 'mlflow.log_params': case 'runlens.log_params': {
      const d = arg(0, 'params');
      return d ? [{ kind: 'params', dict: d }] : [];
    }
    case 'wandb.config.update': case 'handle.config.update': {
      const d = arg(0, 'd');
      return d ? [{ kind: 'params', dict: d }] : [];
    }
    case 'runlens.start_run': case 'wandb.init': {
      // runlens.start_run(name=None, experiment=None, params=None, tags=None); wandb.init(config=..)
      const d = name === 'wandb.init' ? args.keywords.get('config') : arg(2, 'params');
      const experiment = name === 'wandb.init' ? experimentSite('project', args.keywords.get('project'), args)
        : experimentSite('run', arg(1, 'experiment'), args);
      return [{ kind: 'start' }, ...(d ? [{ kind: 'params', dict: d } as const] : []), ...experiment];
    }
    // MLflow knows experiments by id here; runlens.mlflow takes the id as the name.
    case 'mlflow.start_run': return [{ kind: 'start' }, ...experimentSite('run', arg(1, 'experiment_id'), args, !shim)];
    case 'runlens.set_experiment': return experimentSite('set', arg(0, 'name'), args);
    case 'mlflow.set_experiment': {
      const byName = arg(0, 'experiment_name');
      return experimentSite('set', byName ?? arg(1, 'experiment_id'), args, !byName && !shim);
    }
  }
  return [];
}

/** The experiment argument of a call, if given (or maybe given through `**kwargs`). */
function experimentSite(via: 'run' | 'set' | 'project', arg: SyntaxNode | undefined, args: ArgNodes,
  byId = false): SiteSpec[] {
  if (arg) return [{ kind: 'experiment', via, arg, byId }];
  return args.spreads.length ? [{ kind: 'experiment', via }] : [];
}

/**
 * A method of an object a tracker call returned: `run.config.update` where `run` came from a start
 * call is `handle.config.update`; `client.log_param` where `client = MlflowClient()` is
 * `client.log_param`.
 */
function handleCall(callee: SyntaxNode, env: Env): string | undefined {
  const parts: string[] = [];
  let n: SyntaxNode | null = callee;
  while (n?.name === 'MemberExpression' && n.lastChild?.name === 'PropertyName') {
    parts.unshift(text(env, n.lastChild));
    n = n.firstChild;
  }
  const kind = n?.name === 'VariableName' && parts.length ? handleKind(n, env) : undefined;
  return kind && `${kind}.${parts.join('.')}`;
}

function handleKind(name: SyntaxNode, env: Env): 'handle' | 'client' | undefined {
  const r = lookup(env.ctx.scope, text(env, name), name.from);
  if (r?.binding.kind !== 'value' || Array.isArray(r.binding.value)) return undefined;
  const value = r.binding.value;
  if (value.name !== 'CallExpression' || !value.firstChild) return undefined;
  const q = qualifiedName(value.firstChild, { ctx: { ...env.ctx, scope: r.scope }, st: env.st });
  return !q ? undefined : START.has(q) ? 'handle' : MLFLOW_CLIENT.test(q) ? 'client' : undefined;
}

/** `wandb.config.lr = v`, `wandb.config["lr"] = v`, `run.config.lr = v`. */
export function classifyAssign(assign: SyntaxNode, env: Env): SiteSpec[] {
  const kids = children(assign);
  const eq = kids.findIndex(k => k.name === 'AssignOp');
  if (eq !== 1 || kids.length !== 3) return [];
  const [target, , value] = kids;
  if (target.name !== 'MemberExpression' || !target.firstChild) return [];
  const base = target.firstChild;
  const isConfig = qualifiedName(base, env) === 'wandb.config' || handleCall(base, env) === 'handle.config';
  if (!isConfig) return [];
  if (target.lastChild?.name === 'PropertyName') return [{ kind: 'param', key: { name: text(env, target.lastChild) }, value }];
  const inside = children(target).slice(2, -1);
  return inside.length === 1 ? [{ kind: 'param', key: { node: inside[0] }, value }] : [];
}

/** Whether a `with` statement's items start a tracked run. */
export function startsRun(withStatement: SyntaxNode, env: Env): boolean {
  for (let c = withStatement.firstChild; c && c.name !== 'Body'; c = c.nextSibling) {
    if (c.name === 'CallExpression' && classifyCall(c, env).some(s => s.kind === 'start')) return true;
  }
  return false;
}

/** Whether a node sits inside a `with` that starts a run, in its own function (or module). */
export function insideRun(node: SyntaxNode, env: Env): boolean {
  for (let n = node.parent; n; n = n.parent) {
    if (n.name === 'FunctionDefinition' || n.name === 'ClassDefinition') return false;
    if (n.name === 'WithStatement' && startsRun(n, env)) return true;
  }
  return false;
}
