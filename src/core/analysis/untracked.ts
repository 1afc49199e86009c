/**
 * Untracked experiment loops: a nest that logs to no tracker but records a result per combination
 * (`rows.append({..})`, `scores[(lr, bs)] = acc`, `writer.writerow([..])`, `df.loc[len(df)] = ..`,
 * `json.dump(..)`). A loop of the nest is one of its dimensions when its variable both reaches a
 * call that runs something (`SVC(C=C)`, `train(lr)`) and reaches what is recorded. Its parameters
 * are then the loop's own variables (a row that is a dict gives its keys), so a person can be
 * offered to track it. Loops over epochs, batches, steps, folds, files or data splits are not.
 */
import { loopDeps } from './deps';
import type { LoopRef, Nest, Site } from './nest';
import { lookup } from './scope';
import { children, textOf, type SyntaxNode } from './syntax';
import type { Ctx } from './evalEnv';
import { evaluate, newState } from './evaluator';
import { iterate, type Val } from './pyValue';

/** Methods that put a result somewhere: a list, a set, a dict, a file, a CSV writer. */
const RECORD_METHODS = new Set(['append', 'extend', 'add', 'insert', 'update', 'write', 'writerow', 'writerows', 'writelines']);
/** Functions and methods that save a result: `json.dump(res, f)`, `df.to_csv(path)`, `np.save(path, a)`. */
const SAVES = /(^|\.)(dump|save|savez|savetxt|to_csv|to_json|to_parquet|to_pickle|to_excel)$/;
/** Calls that only print, format or convert: reaching them is not running an experiment. */
const NOT_A_RUN = /^(print|str|repr|format|len|range|int|float|bool|round|abs|min|max|sum|sorted|list|dict|tuple|set|zip|enumerate|isinstance|type|getattr|hasattr|open|tqdm|(?:.*\.)?(?:info|debug|warning|error|write|set_description|set_postfix|format|join|append|extend|add|update|writerow|log|print))$/;
/** Loop variables that count epochs, batches, steps, folds, files or rows, not parameters. */
const NOT_A_PARAMETER = /^(_+|i|j|idx|index|n_?iter|it|iter(ation)?|epochs?|ep|e|steps?|batch(_idx)?|batches|fold|trial|split|path|paths|file|files|fname|filename|line|row|col|column|sample|img|image|x|y)$/i;
/** An iterable counted in epochs, steps or batches (`range(num_epochs)`). */
const COUNTED = /epoch|step|iter|batch|fold/i;
/** Names of data splits: a loop over them evaluates one model several times. */
const SPLITS = new Set(['train', 'training', 'val', 'valid', 'validation', 'test', 'testing', 'dev', 'eval']);

/**
 * The dimensions of an untracked nest and a site per dimension (its variables as parameters), or
 * undefined when the nest records nothing that depends on a loop that runs something.
 */
export function untrackedSites(nest: Nest, root: LoopRef): { dims: Set<LoopRef>; sites: Site[] } | undefined {
  const ctx = root.ctx;
  // Only loops over values written in the code can give combinations (most loops go over data).
  const own = nest.loops.filter(l => l.ctx === ctx && isParameterLoop(l) && knownRows(l));
  if (!own.length) return undefined;
  const records: SyntaxNode[] = [];
  const runs: SyntaxNode[] = [];
  collect(root.info.body, ctx, root, records, runs);
  if (!records.length || !runs.length) return undefined;
  const innermost = (n: SyntaxNode) => own.filter(l => l.info.body.from <= n.from && n.to <= l.info.body.to).at(-1);
  const reaching = (nodes: SyntaxNode[]) => {
    const out = new Set<LoopRef>();
    for (const n of nodes) for (const d of loopDeps(n, ctx, innermost(n)).keys()) out.add(d);
    return out;
  };
  const recorded = reaching(records), ran = reaching(runs);
  // `svc.set_params(C=value)`, then `scores.append(svc.score(..))`: what a loop passes to a method of
  // an object reaches whatever is recorded of that object.
  for (const call of runs) {
    const callee = call.parent?.firstChild;
    const base = callee?.name === 'MemberExpression' ? callee.firstChild : null;
    if (base?.name !== 'VariableName') continue;
    const name = textOf(ctx.unit.source, base);
    if (!records.some(r => mentions(r, name, ctx.unit.source))) continue;
    for (const d of loopDeps(call, ctx, innermost(call)).keys()) recorded.add(d);
  }
  const dims = new Set(own.filter(l => recorded.has(l) && ran.has(l)));
  if (!dims.size) return undefined;
  const sites: Site[] = [...dims].map((loop, i) => ({ kind: 'target', node: loop.info.node, ctx, loop, order: nest.sites.length + i }));
  return { dims, sites };
}

/** Whether a loop's rows are known (an inner loop over what an outer one chose is not, here). */
function knownRows(loop: LoopRef): boolean {
  const env = { ctx: loop.ctx, st: newState() };
  const its = loop.info.iterables;
  const v = its.length === 1 ? evaluate(its[0], env) : { t: 'seq', items: its.map(n => evaluate(n, env)), tuple: true } as Val;
  return iterate(v)?.some(row => row.t !== 'unknown') ?? false;
}

function isParameterLoop(loop: LoopRef): boolean {
  const src = loop.info.scope.unit.source;
  const names = loop.info.targets.flat().filter(t => t.name === 'VariableName').map(t => textOf(src, t));
  if (!names.length || names.every(n => NOT_A_PARAMETER.test(n))) return false;
  const iterable = loop.info.iterables.map(n => textOf(src, n)).join(',');
  if (/^range\(/.test(iterable) && COUNTED.test(iterable)) return false;
  // `for split in ["train", "val", "test"]`: the values say it too.
  const strings = [...iterable.matchAll(/["']([^"']*)["']/g)].map(m => m[1].toLowerCase());
  return !(strings.length && strings.every(s => SPLITS.has(s)));
}

/** The recorded expressions and the calls that run something, in a loop body (not in nested definitions). */
function collect(node: SyntaxNode, ctx: Ctx, root: LoopRef, records: SyntaxNode[], runs: SyntaxNode[]): void {
  const src = ctx.unit.source;
  switch (node.name) {
    case 'FunctionDefinition': case 'ClassDefinition': case 'LambdaExpression': return;
    case 'AssignStatement': {
      const [target, eq, value] = children(node);
      // `scores[(lr, bs)] = acc`, `df.loc[len(df)] = [..]` on something made before the loop.
      if (eq?.name === 'AssignOp' && value && target?.name === 'MemberExpression' && isSubscript(target)
        && madeBefore(target, ctx, root)) records.push(target, value);
      // `df = df.append(row)`, `df = pd.concat([df, row])`: a frame made before the loop grows.
      else if (eq?.name === 'AssignOp' && value?.name === 'CallExpression' && target?.name === 'VariableName'
        && /(^|\.)(append|concat)$/.test(textOf(src, value.firstChild!)) && madeBefore(target, ctx, root)
        && new RegExp(`\\b${textOf(src, target)}\\b`).test(textOf(src, value))) records.push(value);
      break;
    }
    case 'CallExpression': {
      const callee = node.firstChild;
      const args = node.getChild('ArgList');
      const name = callee ? textOf(src, callee) : '';
      const method = callee?.name === 'MemberExpression' ? textOf(src, callee.lastChild!) : '';
      if (args && ((RECORD_METHODS.has(method) && (method.startsWith('write') || madeBefore(callee!, ctx, root))) || SAVES.test(name))) {
        records.push(args);
      } else if (args && !NOT_A_RUN.test(name)) runs.push(args);
      break;
    }
  }
  for (let c = node.firstChild; c; c = c.nextSibling) collect(c, ctx, root, records, runs);
}

function mentions(node: SyntaxNode, name: string, source: string): boolean {
  const cursor = node.cursor();
  do {
    if (cursor.name === 'VariableName' && source.slice(cursor.from, cursor.to) === name) return true;
  } while (cursor.next() && cursor.from < node.to);
  return false;
}

function isSubscript(member: SyntaxNode): boolean {
  return children(member)[1]?.name === '[';
}

/** Whether the object a target or method belongs to was made before the loop (it outlives an iteration). */
function madeBefore(node: SyntaxNode, ctx: Ctx, root: LoopRef): boolean {
  let n: SyntaxNode | null = node;
  while (n && n.name === 'MemberExpression') n = n.firstChild;
  if (n?.name !== 'VariableName') return false;
  const r = lookup(ctx.scope, textOf(ctx.unit.source, n), root.info.node.from);
  return !!r && r.binding.kind !== 'opaque';
}
