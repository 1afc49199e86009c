/**
 * "Track This Loop with RunLens": the rewrites that make an untracked experiment loop log its runs.
 *
 * - Every iteration runs inside `with runlens.start_run(params={..}):`, its keys read as the runner
 *   reads them (`"lr": lr`, or `**cfg` for a row that is a config dict), around the innermost
 *   loop's body, one indent deeper.
 * - Where the loop is a plain product of literals (nested `for`s, each directly over a literal list
 *   or tuple, or `itertools.product` of them), also `for params in runlens.grid(lr=[..], bs=[..])`,
 *   which skips at run time what is already logged.
 *
 * `import runlens` is added at the top of the text when it is not imported. Pure text: the editor
 * turns the edits into one WorkspaceEdit (one undo).
 */
import { parser } from '@lezer/python';
import type { ExperimentLoop } from '../analysis';
import { children, commaItems, innerChildren, LineIndex, textOf, type SyntaxNode } from '../analysis/syntax';

export interface TextChange { from: number; to: number; insert: string }
export interface TrackRewrite { title: string; changes: TextChange[] }

const IDENTIFIER = /^[A-Za-z_]\w*$/;
/** Text that imports the RunLens client. */
export const IMPORTED = /^\s*(import runlens\b|from runlens\b)/m;

/**
 * The rewrites offered for `loop` (an untracked loop of `source`); empty when none fits.
 * `imported`: runlens is imported elsewhere already (an earlier notebook cell).
 */
export function trackRewrites(source: string, loop: ExperimentLoop, imported = false): TrackRewrite[] {
  if (loop.tracked || loop.runBy || !loop.guard) return [];
  const tree = parser.parse(source);
  const lines = new LineIndex(source);
  const outer = forAt(tree.topNode, loop.from);
  const inner = forAt(tree.topNode, lines.offsetOf(loop.guard.line, loop.guard.col));
  if (!outer || !inner) return [];
  const path = forsFrom(outer, inner);
  if (!path) return [];
  const params = paramsExpression(path, loop, source);
  if (!params) return [];
  const imports = imported || IMPORTED.test(source) ? [] : importChange(source, tree.topNode);
  const out: TrackRewrite[] = [];
  const wrap = wrapBody(source, inner, `with runlens.start_run(params=${params}):`);
  if (wrap) out.push({ title: 'Track This Loop with RunLens', changes: [...imports, ...wrap] });
  const grid = gridRewrite(source, path, loop);
  if (grid) out.push({ title: 'Track This Loop with RunLens, Skipping Logged Combinations (runlens.grid)', changes: [...imports, ...grid] });
  return out;
}

function forAt(top: SyntaxNode, pos: number): SyntaxNode | undefined {
  for (let n: SyntaxNode | null = top.resolveInner(pos, 1); n; n = n.parent) {
    if (n.name === 'ForStatement' && n.from === pos) return n;
  }
  return undefined;
}

/** The `for`s from `outer` down to `inner`, each directly or indirectly inside the last. */
function forsFrom(outer: SyntaxNode, inner: SyntaxNode): SyntaxNode[] | undefined {
  const path: SyntaxNode[] = [];
  for (let n: SyntaxNode | null = inner; n; n = n.parent) {
    if (n.name === 'ForStatement') path.unshift(n);
    if (n.from === outer.from && n.to === outer.to) return path;
  }
  return undefined;
}

function targetNames(forNode: SyntaxNode, source: string): string[] {
  const kids = children(forNode);
  const forAt = kids.findIndex(k => k.name === 'for'), inAt = kids.findIndex(k => k.name === 'in');
  const names: string[] = [];
  const collect = (n: SyntaxNode) => {
    if (n.name === 'VariableName') names.push(textOf(source, n));
    else for (const c of children(n)) collect(c);
  };
  kids.slice(forAt + 1, inAt).forEach(collect);
  return names;
}

/** `{"lr": lr, "bs": bs}`, `{**cfg, "seed": seed}`, or `cfg` alone; undefined when a key cannot be read. */
function paramsExpression(path: SyntaxNode[], loop: ExperimentLoop, source: string): string | undefined {
  const names = new Set(path.flatMap(f => targetNames(f, source)));
  const reads = loop.guard!.reads;
  const entries: string[] = [];
  const spreads = new Set<string>();
  for (const k of loop.keys) {
    if (names.has(k)) { entries.push(`${JSON.stringify(k)}: ${k}`); continue; }
    // A key of a config dict a loop walks over (`cfg["lr"]`): the whole dict is spread.
    const base = /^([A-Za-z_]\w*)\[/.exec(reads[k] ?? '')?.[1];
    if (!base || !names.has(base)) return undefined;
    spreads.add(base);
  }
  if (!entries.length && spreads.size === 1) return [...spreads][0];
  return `{${[...[...spreads].map(s => `**${s}`), ...entries].join(', ')}}`;
}

/** The innermost body, one indent deeper, under a new first line. */
function wrapBody(source: string, forNode: SyntaxNode, head: string): TextChange[] | undefined {
  const body = forNode.getChild('Body');
  if (!body) return undefined;
  const forIndent = indentOf(source, forNode.from);
  const colon = body.from; // the Body starts at its ':'
  const afterColon = source.indexOf('\n', colon);
  const firstStatement = children(body).find(c => c.name !== ':');
  if (!firstStatement) return undefined;
  if (afterColon < 0 || firstStatement.from < afterColon) {
    // `for x in y: f(x)`: the statement moves under the new line.
    const end = bodyEnd(source, body);
    const text = source.slice(firstStatement.from, end).trim();
    return [{ from: colon + 1, to: end, insert: `\n${forIndent}    ${head}\n${forIndent}        ${text}` }];
  }
  const bodyIndent = indentOf(source, firstStatement.from);
  const unit = bodyIndent.startsWith(forIndent) && bodyIndent.length > forIndent.length ? bodyIndent.slice(forIndent.length) : '    ';
  // Every line of the body gets one more indent, blank lines and continuation lines included,
  // except inside multi-line strings, whose text would change.
  const start = source.lastIndexOf('\n', firstStatement.from) + 1;
  const end = bodyEnd(source, body);
  const strings = stringRanges(body);
  // One change per position: the new line and the first line's indent go in together.
  const changes: TextChange[] = [{ from: start, to: start, insert: `${bodyIndent}${head}\n${unit}` }];
  for (let pos = source.indexOf('\n', start) + 1 || end; pos < end; pos = source.indexOf('\n', pos) + 1 || end) {
    if (strings.some(([a, b]) => a < pos && pos < b)) continue;
    const eol = source.indexOf('\n', pos);
    if (!source.slice(pos, eol < 0 ? end : eol).trim()) continue; // blank lines stay blank
    changes.push({ from: pos, to: pos, insert: unit });
    if (eol < 0) break;
  }
  return changes;
}

function bodyEnd(source: string, body: SyntaxNode): number {
  let end = body.to;
  while (end > body.from && /\s/.test(source[end - 1])) end--;
  return end;
}

function stringRanges(node: SyntaxNode): [number, number][] {
  const out: [number, number][] = [];
  const cursor = node.cursor();
  do {
    if ((cursor.name === 'String' || cursor.name === 'FormatString') && cursor.to - cursor.from > 5) out.push([cursor.from, cursor.to]);
  } while (cursor.next() && cursor.from < node.to);
  return out;
}

function indentOf(source: string, pos: number): string {
  const lineStart = source.lastIndexOf('\n', pos - 1) + 1;
  return /^[ \t]*/.exec(source.slice(lineStart))![0];
}

/**
 * For nested `for`s directly over literal lists (or one over `itertools.product` of them), each
 * the only statement of the one around it: the outermost header becomes `for params in
 * runlens.grid(..)`, the variables are unpacked from it, and the inner headers go.
 */
function gridRewrite(source: string, path: SyntaxNode[], loop: ExperimentLoop): TextChange[] | undefined {
  const axes: [string, string][] = [];
  for (let i = 0; i < path.length; i++) {
    const f = path[i];
    const kids = children(f);
    const inAt = kids.findIndex(k => k.name === 'in');
    const body = f.getChild('Body');
    const iterables = kids.slice(inAt + 1, kids.indexOf(body!));
    if (iterables.length !== 1 || !body) return undefined;
    const names = targetNames(f, source);
    const it = iterables[0];
    if (it.name === 'ArrayExpression' || it.name === 'TupleExpression') {
      if (names.length !== 1 || kids.slice(kids.findIndex(k => k.name === 'for') + 1, inAt).length !== 1) return undefined;
      axes.push([names[0], textOf(source, it)]);
    } else if (it.name === 'CallExpression' && /(^|\.)product$/.test(textOf(source, it.firstChild!))) {
      const args = commaItems(innerChildren(it.getChild('ArgList')!));
      if (args.length !== names.length || args.some(a => a.length !== 1 || (a[0].name !== 'ArrayExpression' && a[0].name !== 'TupleExpression'))) return undefined;
      names.forEach((n, j) => axes.push([n, textOf(source, args[j][0])]));
    } else return undefined;
    // The next `for` must be the whole body of this one.
    if (i + 1 < path.length) {
      const statements = children(body).filter(c => c.name !== ':');
      if (statements.length !== 1 || statements[0].from !== path[i + 1].from) return undefined;
    }
  }
  if (axes.some(([n]) => !IDENTIFIER.test(n)) || new Set(axes.map(a => a[0])).size !== axes.length) return undefined;
  if (loop.keys.some(k => !axes.some(([n]) => n === k))) return undefined;
  const outer = path[0], inner = path[path.length - 1];
  const indent = indentOf(source, outer.from);
  const innerBody = inner.getChild('Body')!;
  const firstStatement = children(innerBody).find(c => c.name !== ':');
  if (!firstStatement || source.lastIndexOf('\n', firstStatement.from) < innerBody.from) return undefined;
  const bodyIndent = indentOf(source, firstStatement.from);
  const unit = bodyIndent.length > indent.length ? bodyIndent.slice(indent.length, indent.length + (bodyIndent.length - indent.length) / path.length) : '    ';
  const names = axes.map(a => a[0]);
  const header = `for params in runlens.grid(${axes.map(([n, v]) => `${n}=${v}`).join(', ')}):\n`
    + `${indent}${unit}${names.join(', ')}${names.length === 1 ? ',' : ''} = ${names.map(n => `params[${JSON.stringify(n)}]`).join(', ')}\n`
    + `${indent}${unit}with runlens.start_run(params=params):\n`;
  // The body's lines, re-indented from the innermost loop's depth to one level inside the `with`.
  const start = source.lastIndexOf('\n', firstStatement.from) + 1;
  const end = bodyEnd(source, innerBody);
  const strings = stringRanges(innerBody);
  const bodyLines: string[] = [];
  for (let pos = start; pos < end;) {
    const next = source.indexOf('\n', pos);
    const line = source.slice(pos, next < 0 || next > end ? end : next);
    const inString = strings.some(([a, b]) => a < pos && pos < b);
    const moved = line.startsWith(bodyIndent) ? `${indent}${unit}${unit}${line.slice(bodyIndent.length)}` : line;
    bodyLines.push(inString || !line.trim() ? line : moved);
    if (next < 0 || next >= end) break;
    pos = next + 1;
  }
  return [{ from: outer.from, to: end, insert: header + bodyLines.join('\n') }];
}

/** `import runlens` after a module docstring and `from __future__` imports. */
function importChange(source: string, top: SyntaxNode): TextChange[] {
  let at = 0;
  for (let c = top.firstChild; c; c = c.nextSibling) {
    const text = textOf(source, c);
    const docstring = c.name === 'ExpressionStatement' && c.firstChild?.name === 'String' && at === 0;
    if (docstring || (c.name === 'ImportStatement' && /^from\s+__future__\s/.test(text)) || c.name === 'Comment' && at === c.from) {
      at = source.indexOf('\n', c.to) < 0 ? source.length : source.indexOf('\n', c.to) + 1;
      continue;
    }
    break;
  }
  const prefix = at === source.length && at > 0 && !source.endsWith('\n') ? '\n' : '';
  return [{ from: at, to: at, insert: `${prefix}import runlens\n` }];
}
