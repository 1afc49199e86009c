/**
 * Re-analysing a file as it is edited, cheaply: Lezer re-parses only around the change (its tree
 * reused through `TreeFragment`s), and each outermost loop's result is reused while nothing it
 * can depend on changed.
 *
 * What a loop's analysis can read: its own text, and the rest of the file, except the insides of
 * the other outermost loops, of which only what they bind, change, import and call matters to it
 * (a name bound in another loop is unknown after it, whatever its value). So a loop's result is
 * kept under its own text and the file's *context*: the file with every outermost loop replaced by
 * such a summary. An edit inside a loop's body re-analyses that loop only; an edit elsewhere, or
 * one that changes what a loop binds, all of them. A reused result is moved to where its loop and
 * the context now are.
 */
import { TreeFragment, type Tree } from '@lezer/common';
import { parser } from '@lezer/python';
import { parseUnit } from './bindings';
import { analyzeNest, analyzeUnit } from './loops';
import { withGridSearches } from './optuna';
import type { LoopInfo, Unit } from './scope';
import { textOf, type LineIndex, type SyntaxNode } from './syntax';
import type { AnalyzeOptions, ExperimentLoop } from './types';

interface Segment { from: number; to: number }

/** A loop's results as analysed, with what is needed to move them. */
interface Cached {
  loops: ExperimentLoop[];
  /** Where the loop's statement was, and the outermost loops' statements then. */
  at: Segment;
  segments: Segment[];
  lines: LineIndex;
}

export class IncrementalAnalysis {
  private source = '';
  private tree: Tree | undefined;
  private context = '';
  /** By the loop's text (and its place among loops of the same text). */
  private cache = new Map<string, Cached>();
  private readonly summaries = new Map<string, string>();

  /** The experiment loops of the file's new text. */
  update(source: string, options?: AnalyzeOptions): ExperimentLoop[] {
    const tree = this.parse(source);
    const unit = parseUnit(source, 0, undefined, tree);
    const outermost = unit.loopList.filter(l => !l.outer && !unit.loopList.some(o => o !== l && !o.outer && contains(o.node, l.node)));
    const segments = outermost.map(l => ({ from: l.node.from, to: l.node.to }));
    const context = this.contextOf(source, outermost);
    if (context !== this.context) { this.cache = new Map(); this.context = context; }
    const fresh = new Map<string, Cached>();
    const seen = new Map<string, number>();
    const nests = (info: LoopInfo): ExperimentLoop[] => {
      const i = outermost.indexOf(info);
      if (i < 0) return analyzeNest(info, false); // a loop inside another's statement (in a def there)
      const text = textOf(source, info.node);
      const n = seen.get(text) ?? 0;
      seen.set(text, n + 1);
      const key = `${n}\u0000${text}`;
      const hit = this.cache.get(key);
      const at = segments[i];
      if (hit) {
        fresh.set(key, { ...hit, loops: hit.loops.map(l => moved(l, hit, at, segments, unit)), at, segments, lines: unit.lines });
        return fresh.get(key)!.loops;
      }
      const loops = analyzeNest(info, false);
      fresh.set(key, { loops, at, segments, lines: unit.lines });
      return loops;
    };
    // Optuna's grid searches are calls, not loops: found afresh each time (cheap: a walk of the calls).
    const loops = withGridSearches(unit, false, analyzeUnit(unit, false, options, nests), options);
    this.cache = fresh;
    return loops;
  }

  private parse(source: string): Tree {
    let fragments: readonly TreeFragment[] | undefined;
    if (this.tree) {
      // The one changed range: what differs between the common start and the common end.
      const old = this.source;
      let start = 0;
      const max = Math.min(old.length, source.length);
      while (start < max && old.charCodeAt(start) === source.charCodeAt(start)) start++;
      let end = 0;
      while (end < max - start && old.charCodeAt(old.length - 1 - end) === source.charCodeAt(source.length - 1 - end)) end++;
      fragments = TreeFragment.applyChanges(TreeFragment.addTree(this.tree),
        [{ fromA: start, toA: old.length - end, fromB: start, toB: source.length - end }]);
    }
    this.tree = parser.parse(source, fragments);
    this.source = source;
    return this.tree;
  }

  /** The file with each outermost loop replaced by what other code can see of it. */
  private contextOf(source: string, outermost: LoopInfo[]): string {
    const parts: string[] = [];
    let pos = 0;
    for (const l of outermost) {
      parts.push(source.slice(pos, l.node.from));
      const text = textOf(source, l.node);
      let summary = this.summaries.get(text);
      if (summary === undefined) {
        summary = summarize(l.node, source);
        if (this.summaries.size > 512) this.summaries.clear();
        this.summaries.set(text, summary);
      }
      parts.push(`\u0001${summary}\u0001`);
      pos = l.node.to;
    }
    parts.push(source.slice(pos));
    return parts.join('');
  }
}

function contains(outer: SyntaxNode, inner: SyntaxNode): boolean {
  return outer.from <= inner.from && inner.to <= outer.to;
}

/**
 * What code outside a loop can see of it: the names it binds or changes (targets, imports,
 * definitions, `as` names) and the calls it makes (which functions are called from loops, what is
 * changed in place, which experiment is set). Sorted, so reordering inside the loop changes nothing.
 */
function summarize(node: SyntaxNode, source: string): string {
  const out = new Set<string>();
  const cursor = node.cursor();
  const first = cursor.node;
  do {
    const n = cursor.node;
    switch (n.name) {
      case 'AssignStatement': {
        // Every target: all before the last `=` (`a = b = 1` binds a and b).
        let last: SyntaxNode | null = null;
        for (let c = n.firstChild; c; c = c.nextSibling) if (c.name === 'AssignOp') last = c;
        for (let c = n.firstChild; c && last && c.from < last.from; c = c.nextSibling) if (c.name !== 'AssignOp') out.add('=' + textOf(source, c));
        break;
      }
      case 'UpdateStatement': out.add('=' + textOf(source, n.firstChild ?? n)); break;
      case 'ForStatement': {
        for (let c = n.firstChild; c && c.name !== 'in'; c = c.nextSibling) out.add('for ' + textOf(source, c));
        break;
      }
      case 'ImportStatement': case 'DeleteStatement': case 'ScopeStatement': out.add(textOf(source, n)); break;
      case 'FunctionDefinition': case 'ClassDefinition': out.add('def ' + textOf(source, n.getChild('VariableName') ?? n)); break;
      case 'CallExpression': out.add('call ' + textOf(source, n.firstChild ?? n)); break;
      case 'VariableName':
        if (n.prevSibling?.name === 'as') out.add('as ' + textOf(source, n));
        break;
    }
  } while (cursor.next() && cursor.from < first.to);
  return [...out].sort().join('\u0002');
}

/** A cached loop moved to where its loop and the context are now. */
function moved(loop: ExperimentLoop, was: Cached, at: Segment, segments: Segment[], unit: Unit): ExperimentLoop {
  const map = (p: number): number => {
    if (p >= was.at.from && p <= was.at.to) return p - was.at.from + at.from;
    // Elsewhere it is in the context, which is the same text: its index there, then where that is now.
    let ctx = p;
    for (const s of was.segments) {
      if (s.to <= p) ctx -= s.to - s.from; else break;
    }
    let q = ctx;
    for (const s of segments) {
      if (s.from <= q) q += s.to - s.from; else break;
    }
    return q;
  };
  const site = (from: number) => unit.lines.at(map(from));
  const out: ExperimentLoop = {
    ...loop,
    from: map(loop.from), to: map(loop.to), line: site(loop.from).line,
    valueSites: loop.valueSites.map(v => {
      const { line, col } = site(v.site.from);
      return { ...v, site: { ...v.site, from: map(v.site.from), to: map(v.site.to), line, col } };
    }),
  };
  if (loop.guard) {
    const { line, col } = site(was.lines.offsetOf(loop.guard.line, loop.guard.col));
    out.guard = { ...loop.guard, line, col };
  }
  if (loop.calls) out.calls = loop.calls.map(c => ({ ...c, line: site(was.lines.offsetOf(c.line, 0)).line }));
  return out;
}
