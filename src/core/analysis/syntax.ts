/**
 * Small helpers over Lezer's Python tree. Lezer names keywords and punctuation as nodes too
 * (`for`, `,`, `(`), so most code here works on a node's children by name. Comments are nodes as
 * well, wherever they sit (`f(a,  # why\n b=1)`); `children` leaves them out, so everything that
 * walks a call's arguments, a list's items or a statement's parts through it never sees one.
 */
import type { SyntaxNode } from '@lezer/common';

export type { SyntaxNode };

export function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) if (c.name !== 'Comment') out.push(c);
  return out;
}

export function textOf(source: string, node: SyntaxNode): string {
  return source.slice(node.from, node.to);
}

/** Split children on separator tokens (`,`), dropping brackets: the items of a comma list. */
export function commaItems(nodes: SyntaxNode[]): SyntaxNode[][] {
  const items: SyntaxNode[][] = [];
  let cur: SyntaxNode[] = [];
  for (const n of nodes) {
    if (n.name === ',') { if (cur.length) items.push(cur); cur = []; }
    else cur.push(n);
  }
  if (cur.length) items.push(cur);
  return items;
}

const BRACKETS = new Set(['(', ')', '[', ']', '{', '}']);

/** The inner children of a bracketed node (`[a, b]`, `(a, b)`, `{...}`). */
export function innerChildren(node: SyntaxNode): SyntaxNode[] {
  return children(node).filter(c => !BRACKETS.has(c.name));
}

/** The arguments of a call, by position and keyword, as syntax. */
export interface ArgNodes {
  positional: SyntaxNode[];
  keywords: Map<string, SyntaxNode>;
  /** `*x` / `**x` arguments, in order: they shift or add arguments we cannot place statically. */
  spreads: { node: SyntaxNode; double: boolean }[];
  /** A generator argument (`f(x for x in y)`) or broken syntax. */
  irregular: boolean;
}

export function argNodes(argList: SyntaxNode | null, source: string): ArgNodes {
  const out: ArgNodes = { positional: [], keywords: new Map(), spreads: [], irregular: false };
  if (!argList) return out;
  let afterStar = false;
  for (const item of commaItems(innerChildren(argList))) {
    if (item.length === 1) {
      out.positional.push(item[0]);
      out.irregular ||= afterStar; // its position is not known any more
    }
    else if (item.length === 3 && item[0].name === 'VariableName' && item[1].name === 'AssignOp') {
      out.keywords.set(textOf(source, item[0]), item[2]);
    } else if (item.length === 2 && (item[0].name === '*' || item[0].name === '**')) {
      out.spreads.push({ node: item[1], double: item[0].name === '**' });
      afterStar ||= item[0].name === '*';
    } else out.irregular = true;
  }
  return out;
}

/** 1-based lines and 0-based UTF-16 columns for offsets, by binary search over line starts. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(source: string) {
    for (let i = source.indexOf('\n'); i >= 0; i = source.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  at(offset: number): { line: number; col: number } {
    let lo = 0, hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid; else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.starts[lo] };
  }
  offsetOf(line: number, col: number): number {
    return (this.starts[line - 1] ?? 0) + col;
  }
}
