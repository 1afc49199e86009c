/**
 * Building a unit's scopes in one pass over its statements: assignments, loop targets, `with ..
 * as`, imports, functions and their parameters, and in-place changes. Expressions are not
 * entered, so a walrus (`:=`) binding is not seen.
 *
 * `with` bodies, `try` bodies and `if __name__ == "__main__":` always run, so bindings there are
 * as certain as the statements around them.
 */
import type { Tree } from '@lezer/common';
import { parser } from '@lezer/python';
import { importedAs, lookup, SET_EXPERIMENT, type Binding, type Block, type Change, type FunctionInfo, type LoopInfo, type Scope,
  type Unit, type ValueRef } from './scope';
import { children, commaItems, innerChildren, LineIndex, textOf, type SyntaxNode } from './syntax';

const MUTATORS = new Set(['append', 'extend', 'insert', 'remove', 'pop', 'clear', 'update', 'sort',
  'reverse', 'setdefault', 'popitem', 'add', 'discard']);
/** Mutating methods whose change is followed (`Change`). */
const FOLLOWED = new Set(['update', 'append', 'extend']);

/** Parse and bind a unit; `tree` when the caller parsed it already (incrementally). */
export function parseUnit(source: string, index = 0, prev?: Unit, tree: Tree = parser.parse(source)): Unit {
  const unit = {
    index, source, tree, prev, lines: new LineIndex(source), imports: new Map(), starImports: [],
    loops: new Map(), loopList: [], literals: new Map(), items: new Map(), kids: new Map(), names: new Map(), callSites: [],
  } as unknown as Unit;
  unit.module = newScope('module', tree.topNode, undefined, unit);
  new ScopeBuilder(unit).block(tree.topNode, unit.module, [], undefined);
  return unit;
}

function newScope(kind: Scope['kind'], node: SyntaxNode, parent: Scope | undefined, unit: Unit): Scope {
  return { kind, node, parent, unit, bindings: new Map(), mutations: new Map() };
}

class ScopeBuilder {
  /**
   * Per scope and held name: the names whose value holds that name's value itself, not a copy
   * (`b = a`, `cfg["p"] = a`, `{"p": a}`), with the binding that made them hold it.
   */
  private readonly holders = new Map<Scope, Map<string, Map<string, Binding>>>();

  constructor(private readonly unit: Unit) {}

  private text(node: SyntaxNode): string { return textOf(this.unit.source, node); }

  private bind(scope: Scope, b: Binding): void {
    const list = scope.bindings.get(b.name);
    if (list) list.push(b); else scope.bindings.set(b.name, [b]);
    const held = b.kind === 'value' ? (Array.isArray(b.value) ? b.value : [b.value])
      : b.kind === 'update' && b.change.op !== 'refresh' ? changedWith(b.change) : [];
    for (const n of held) for (const ref of this.aliases(n)) this.hold(scope, ref, b.name, b);
  }

  private hold(scope: Scope, held: string, holder: string, by: Binding): void {
    let byName = this.holders.get(scope);
    if (!byName) this.holders.set(scope, byName = new Map());
    const map = byName.get(held);
    if (map) map.set(holder, by); else byName.set(held, new Map([[holder, by]]));
  }

  /**
   * `name`'s value was changed in place: every name holding it sees the change. A holder whose
   * value is still the one that captured `name` is refreshed (its binding evaluated again with
   * `name` as it is now); one changed since, or a change not followed (`guards` undefined), is stale.
   */
  private changed(scope: Scope, name: string, pos: number, guards: Block[] | undefined, seen = new Set<string>()): void {
    for (const [holder, capture] of this.holders.get(scope)?.get(name) ?? []) {
      if (seen.has(holder) || holder === name) continue;
      seen.add(holder);
      const latest = scope.bindings.get(holder)?.at(-1);
      const current = latest === capture || (latest?.kind === 'update' && latest.change.op === 'refresh' && latest.change.capture === capture);
      if (guards && current) {
        const refresh: Binding = { kind: 'update', name: holder, pos, guards, change: { op: 'refresh', capture, held: name }, at: pos };
        const list = scope.bindings.get(holder)!;
        list.push(refresh);
        this.changed(scope, holder, pos, guards, seen);
      } else {
        const list = scope.mutations.get(holder);
        if (list) list.push(pos); else scope.mutations.set(holder, [pos]);
        this.changed(scope, holder, pos, undefined, seen);
      }
    }
  }

  private mutate(scope: Scope, name: string, pos: number): void {
    const list = scope.mutations.get(name);
    if (list) list.push(pos); else scope.mutations.set(name, [pos]);
    this.changed(scope, name, pos, undefined);
  }

  /** A followed change to the name's value (`x[k] = v`, `x += v`, `x.update(..)`). */
  private update(scope: Scope, name: SyntaxNode, change: Change, statement: SyntaxNode, guards: Block[]): void {
    const n = this.text(name);
    this.bind(scope, { kind: 'update', name: n, pos: statement.to, guards, change, at: statement.from });
    this.changed(scope, n, statement.to, guards);
  }

  /** The names an expression's value is (not a copy of): `a`, the items of `[a, b]`, `{"k": a}`, `x if c else a`. */
  private aliases(node: SyntaxNode): string[] {
    switch (node.name) {
      case 'VariableName': return [this.text(node)];
      case 'ParenthesizedExpression': case 'ArrayExpression': case 'TupleExpression': case 'SetExpression':
        return commaItems(innerChildren(node)).flatMap(item => (item.length === 1 ? this.aliases(item[0]) : []));
      case 'DictionaryExpression':
        return commaItems(innerChildren(node)).flatMap(item => (item.length === 3 ? this.aliases(item[2]) : []));
      case 'ConditionalExpression': {
        const kids = children(node);
        return [kids[0], kids[4]].flatMap(k => (k ? this.aliases(k) : []));
      }
    }
    return [];
  }

  /** Visit the statements under `node`. `outer` is the innermost enclosing `for` of this scope. */
  block(node: SyntaxNode, scope: Scope, guards: Block[], outer: LoopInfo | undefined): void {
    for (let c = node.firstChild; c; c = c.nextSibling) this.statement(c, scope, guards, outer);
  }

  private statement(node: SyntaxNode, scope: Scope, guards: Block[], outer: LoopInfo | undefined): void {
    switch (node.name) {
      case 'StatementGroup': case 'Body': return this.block(node, scope, guards, outer);
      case 'AssignStatement': return this.assign(node, scope, guards, outer);
      case 'UpdateStatement': {
        const [target, op, value] = children(node);
        const operator = op?.name === 'UpdateOp' ? this.text(op).slice(0, -1) : undefined;
        if (target?.name === 'VariableName' && operator && value) {
          return this.update(scope, target, { op: 'augment', operator, value }, node, guards);
        }
        const item = target && operator && value ? subscriptOfName([target]) : undefined;
        if (item && operator && value) return this.update(scope, item.name, { op: 'setitem', key: item.key, value, operator }, node, guards);
        if (target) this.targetOpaque(target, scope, guards, node.to);
        return;
      }
      case 'ExpressionStatement': return this.expressionStatement(node, scope, guards, outer);
      case 'DeleteStatement':
        for (const c of children(node)) if (c.name !== 'del' && c.name !== ',') this.targetOpaque(c, scope, guards, node.to);
        return;
      case 'ImportStatement': return this.importStatement(node, scope, guards);
      case 'FunctionDefinition': return this.functionDef(node, scope, guards);
      case 'DecoratedStatement': {
        const def = node.lastChild;
        if (def) this.statement(def, scope, guards, outer);
        return;
      }
      case 'ClassDefinition': {
        const name = node.getChild('VariableName');
        if (name) this.bind(scope, { kind: 'opaque', name: this.text(name), pos: node.to, guards });
        const body = node.getChild('Body');
        if (body) this.block(body, newScope('class', node, scope, this.unit), [], undefined);
        return;
      }
      case 'ForStatement': return this.forStatement(node, scope, guards, outer);
      case 'WhileStatement': return this.guardedBodies(node, scope, guards, outer, false);
      case 'IfStatement': return this.guardedBodies(node, scope, guards, outer, this.isMainGuard(node));
      case 'TryStatement': return this.tryStatement(node, scope, guards, outer);
      case 'WithStatement': return this.withStatement(node, scope, guards, outer);
      case 'MatchStatement': {
        for (const clause of node.getChild('MatchBody')?.getChildren('MatchClause') ?? []) {
          const body = clause.getChild('Body');
          if (body) this.block(body, scope, guards.concat(blockOf(body)), outer);
        }
        return;
      }
    }
  }

  /** `if __name__ == "__main__":` runs whenever the file is run as a script. */
  private isMainGuard(ifNode: SyntaxNode): boolean {
    const cond = ifNode.firstChild?.nextSibling;
    return !!cond && /^__name__\s*==\s*['"]__main__['"]$/.test(this.text(cond));
  }

  private guardedBodies(node: SyntaxNode, scope: Scope, guards: Block[], outer: LoopInfo | undefined,
    firstAlwaysRuns: boolean): void {
    let first = true;
    for (const body of node.getChildren('Body')) {
      const g = firstAlwaysRuns && first ? guards
        : guards.concat(node.name === 'IfStatement' ? { from: body.from, to: body.to, branch: body } : blockOf(body));
      this.block(body, scope, g, outer);
      first = false;
    }
  }

  private tryStatement(node: SyntaxNode, scope: Scope, guards: Block[], outer: LoopInfo | undefined): void {
    let first = true;
    let afterAs = false;
    for (const c of children(node)) {
      if (c.name === 'as') afterAs = true;
      else if (c.name === 'VariableName' && afterAs) {
        this.bind(scope, { kind: 'opaque', name: this.text(c), pos: c.to, guards });
        afterAs = false;
      } else if (c.name === 'Body') {
        this.block(c, scope, first ? guards : guards.concat(blockOf(c)), outer);
        first = false;
      }
    }
  }

  private withStatement(node: SyntaxNode, scope: Scope, guards: Block[], outer: LoopInfo | undefined): void {
    const kids = children(node);
    for (let i = 0; i < kids.length; i++) {
      if (kids[i].name === 'as' && i > 0 && i + 1 < kids.length && kids[i + 1].name === 'VariableName') {
        const name = this.text(kids[i + 1]);
        this.bind(scope, { kind: 'value', name, pos: kids[i + 1].to, guards, value: kids[i - 1], path: [] });
      }
    }
    const body = node.getChild('Body');
    if (body) this.block(body, scope, guards, outer);
  }

  private forStatement(node: SyntaxNode, scope: Scope, guards: Block[], outer: LoopInfo | undefined): void {
    const kids = children(node);
    const forAt = kids.findIndex(k => k.name === 'for');
    const inAt = kids.findIndex(k => k.name === 'in');
    const body = kids.find(k => k.name === 'Body');
    if (forAt < 0 || inAt < 0 || !body || body.from < kids[inAt].to) return;
    const info: LoopInfo = {
      node, scope, outer, body,
      targets: commaItems(kids.slice(forAt + 1, inAt)),
      iterables: commaItems(kids.slice(inAt + 1, kids.indexOf(body))).map(item => item[0]),
    };
    this.unit.loops.set(node.from, info);
    this.unit.loopList.push(info);
    const bodyGuards = guards.concat(blockOf(body));
    const tuple = info.targets.length > 1 || kids[inAt - 1]?.name === ',';
    info.targets.forEach((t, i) => this.pattern(t, tuple ? [i] : [], scope, bodyGuards, body.from,
      (name, path, pos, g) => ({ kind: 'loop', name, pos, guards: g, loop: info, path })));
    this.block(body, scope, bodyGuards, info);
    const elseBody = kids.filter(k => k.name === 'Body')[1];
    if (elseBody) this.block(elseBody, scope, guards.concat(blockOf(elseBody)), outer);
  }

  private assign(node: SyntaxNode, scope: Scope, guards: Block[], outer: LoopInfo | undefined): void {
    const segments: SyntaxNode[][] = [[]];
    for (const c of children(node)) {
      if (c.name === 'AssignOp') segments.push([]);
      else if (c.name !== 'TypeDef') segments[segments.length - 1].push(c);
    }
    if (segments.length < 2) return; // an annotation alone binds nothing
    const valueItems = commaItems(segments[segments.length - 1]).map(i => i[0]);
    const value: ValueRef = valueItems.length === 1 && !segments[segments.length - 1].some(c => c.name === ',')
      ? valueItems[0] : valueItems;
    if (!Array.isArray(value) && value.name === 'CallExpression') {
      this.setExperiment(value, scope, guards, node.to);
      this.callSite(value, scope, outer);
    }
    const item = segments.length === 2 ? subscriptOfName(segments[0]) : undefined;
    if (item && !Array.isArray(value)) return this.update(scope, item.name, { op: 'setitem', key: item.key, value }, node, guards);
    for (const target of segments.slice(0, -1)) {
      const items = commaItems(target);
      const tuple = items.length > 1 || target.some(c => c.name === ',');
      items.forEach((t, i) => this.pattern(t, tuple ? [i] : [], scope, guards, node.to,
        (name, path, pos, g) => ({ kind: 'value', name, pos, guards: g, value, path })));
    }
  }

  /** Bind the names of a target pattern; `make` builds the binding for a name at a tuple path. */
  private pattern(item: SyntaxNode[], path: number[], scope: Scope, guards: Block[], pos: number,
    make: (name: string, path: number[], pos: number, guards: Block[]) => Binding): void {
    if (item.length === 2 && item[0].name === '*') return this.targetOpaque(item[1], scope, guards, pos);
    if (item.length !== 1) return;
    const t = item[0];
    if (t.name === 'VariableName') return this.bind(scope, make(this.text(t), path, pos, guards));
    if (t.name === 'TupleExpression' || t.name === 'ArrayExpression' || t.name === 'ParenthesizedExpression') {
      const sub = commaItems(innerChildren(t));
      const starred = sub.some(s => s[0].name === '*');
      sub.forEach((s, i) => {
        if (starred) this.targetOpaque(s[s.length - 1], scope, guards, pos); // positions after a star are unknown
        else this.pattern(s, t.name === 'ParenthesizedExpression' ? path : path.concat(i), scope, guards, pos, make);
      });
      return;
    }
    this.targetOpaque(t, scope, guards, pos);
  }

  /** A target whose new value is not followed: a name becomes unknown, `x[..]`/`x.a` changes x. */
  private targetOpaque(t: SyntaxNode, scope: Scope, guards: Block[], pos: number): void {
    if (t.name === 'VariableName') this.bind(scope, { kind: 'opaque', name: this.text(t), pos, guards });
    else if (t.name === 'MemberExpression') {
      const base = rootName(t);
      if (base) this.mutate(scope, this.text(base), pos);
    } else for (const c of innerChildren(t)) if (c.name !== ',' && c.name !== '*') this.targetOpaque(c, scope, guards, pos);
  }

  private expressionStatement(node: SyntaxNode, scope: Scope, guards: Block[], outer: LoopInfo | undefined): void {
    const call = node.firstChild;
    if (call?.name !== 'CallExpression') return;
    this.setExperiment(call, scope, guards, node.to);
    this.callSite(call, scope, outer);
    const callee = call.firstChild;
    if (callee?.name !== 'MemberExpression') return;
    const method = callee.lastChild;
    const base = callee.firstChild;
    if (method?.name === 'PropertyName' && MUTATORS.has(this.text(method)) && base) {
      const name = this.text(method);
      if (base.name === 'VariableName' && FOLLOWED.has(name)) {
        const change: Change = { op: 'method', method: name as 'update' | 'append' | 'extend', args: call.getChild('ArgList') };
        return this.update(scope, base, change, node, guards);
      }
      const root = base.name === 'VariableName' ? base : rootName(base);
      if (root) this.mutate(scope, this.text(root), node.to);
    }
  }

  /** A statement's call, and the calls its callee is made of (`GridSearchCV(..).fit(X)`). */
  private callSite(call: SyntaxNode, scope: Scope, outer: LoopInfo | undefined): void {
    for (let c: SyntaxNode | null = call; c?.name === 'CallExpression'; c = c.firstChild?.firstChild ?? null) {
      const callee = c.firstChild;
      if (callee?.name === 'VariableName' || callee?.name === 'MemberExpression') {
        this.unit.callSites.push({ name: this.text(callee), node: c, scope, inLoop: !!outer });
      }
    }
  }

  /**
   * A call that looks like `<x>.set_experiment(..)` or an imported `set_experiment`. Aliases made
   * by assignment are not resolvable yet; logging.ts decides later whose call it is.
   */
  private setExperiment(call: SyntaxNode, scope: Scope, guards: Block[], pos: number): void {
    const callee = call.firstChild;
    const last = callee?.name === 'MemberExpression' ? callee.lastChild : callee;
    if (!callee || !last) return;
    const name = this.text(last);
    if (name === 'set_experiment' || (callee.name === 'VariableName' && importedAs(this.unit, name)?.endsWith('.set_experiment'))) {
      this.bind(scope, { kind: 'value', name: SET_EXPERIMENT, pos, guards, value: call, path: [] });
    } else if (callee.name === 'VariableName') {
      // A function of this file that sets it (`setup()`): not followed, so the experiment is unknown.
      const b = lookup(scope, name, pos)?.binding;
      if (b?.kind === 'def' && b.fn.scope.bindings.has(SET_EXPERIMENT)) this.bind(scope, { kind: 'opaque', name: SET_EXPERIMENT, pos, guards });
    }
  }

  private importStatement(node: SyntaxNode, scope: Scope, guards: Block[]): void {
    const kids = children(node);
    const importAt = kids.findIndex(k => k.name === 'import');
    const from = kids[0]?.name === 'from'
      ? kids.slice(1, importAt).map(k => (k.name === 'VariableName' ? this.text(k) : k.name)).join('') : '';
    const names = kids.slice(importAt + 1).filter(k => k.name !== '(' && k.name !== ')');
    if (names.length === 1 && names[0].name === '*') { this.unit.starImports.push(from); return; }
    for (const item of commaItems(names)) {
      const asAt = item.findIndex(k => k.name === 'as');
      const dotted = (asAt >= 0 ? item.slice(0, asAt) : item).map(k => this.text(k)).join('');
      const alias = asAt >= 0 ? item[asAt + 1] : undefined;
      // `import a.b` binds `a`; `import a.b as c` binds c to a.b; `from a import b` binds b to a.b.
      const local = alias ? this.text(alias) : from ? dotted : dotted.split('.')[0];
      const target = from ? `${from}.${dotted}` : alias ? dotted : local;
      if (!local) continue;
      // Imports are matched file-wide: a guarded `import wandb` still names the module.
      if (!this.unit.imports.has(local)) this.unit.imports.set(local, target);
      this.bind(scope, { kind: 'opaque', name: local, pos: node.to, guards });
    }
  }

  private functionDef(node: SyntaxNode, scope: Scope, guards: Block[]): void {
    const nameNode = node.getChild('VariableName');
    const body = node.getChild('Body');
    if (!nameNode || !body) return;
    // Functions see module names, not the names of a class they are defined in.
    const parent = scope.kind === 'class' ? scope.parent : scope;
    const fnScope = newScope('function', node, parent, this.unit);
    const fn: FunctionInfo = { name: this.text(nameNode), node, scope: fnScope, body, params: [] };
    this.bind(scope, { kind: 'def', name: fn.name, pos: node.from, guards, fn });
    const params = node.getChild('ParamList');
    for (const item of commaItems(params ? innerChildren(params) : [])) {
      const star = item[0].name === '*' ? 'star' : item[0].name === '**' ? 'dstar' : 'plain';
      const nameAt = item.findIndex(k => k.name === 'VariableName');
      if (nameAt < 0) continue;
      const eq = item.findIndex(k => k.name === 'AssignOp');
      const p = { name: this.text(item[nameAt]), kind: star, default: eq >= 0 ? item[eq + 1] : undefined } as const;
      fn.params.push(p);
      this.bind(fnScope, { kind: 'param', name: p.name, pos: body.from, guards: [], fn });
    }
    this.block(body, fnScope, [], undefined);
  }
}

/** `x[key]` as the one target of an assignment: the name and the key. */
function subscriptOfName(target: SyntaxNode[]): { name: SyntaxNode; key: SyntaxNode } | undefined {
  if (target.length !== 1 || target[0].name !== 'MemberExpression') return undefined;
  const [base, open, key, close] = children(target[0]);
  return base?.name === 'VariableName' && open?.name === '[' && key && close?.name === ']' ? { name: base, key } : undefined;
}

/** The expressions whose values a change puts into the changed value. */
function changedWith(change: Exclude<Change, { op: 'refresh' }>): SyntaxNode[] {
  if (change.op !== 'method') return [change.value];
  return change.args ? innerChildren(change.args).filter(n => n.name !== ',') : [];
}

function blockOf(node: SyntaxNode): Block {
  return { from: node.from, to: node.to };
}

/** The variable at the root of `a.b[c].d`, if any. */
function rootName(node: SyntaxNode): SyntaxNode | null {
  let n: SyntaxNode | null = node;
  while (n && n.name === 'MemberExpression') n = n.firstChild;
  return n?.name === 'VariableName' ? n : null;
}

