/**
 * A script launched once per combination (`subprocess.run(["python", "train.py", "--lr", str(lr)])`,
 * `os.system(f"python train.py --lr {lr}")`): its command line read as parameters. Options after
 * the script are keys, as argparse names them (`--batch-size 32` is `batch_size`, `--lr=0.1` is
 * `lr`); `a.b=v` tokens are Hydra overrides (key `a.b`). A value written as a loop variable, `str()`
 * of one or an f-string field alone keeps that variable's value, so it matches and hovers like one.
 */
import { parseString } from './literals';
import { lookup } from './scope';
import { children, commaItems, innerChildren, textOf, type SyntaxNode } from './syntax';
import { scalar, str, UNKNOWN, type Val } from './pyValue';
import { strOf } from './formatting';
import type { Ctx, Env } from './evalEnv';
import { nameValue } from './evaluator';

/** Where a printed value comes from in the syntax: so its key ranks by the loops it depends on. */
export interface Origin { node: SyntaxNode; ctx: Ctx }

/** A piece of command text: literal text, or a value printed into it (undefined: unknown text). */
type Piece = { text: string } | { val: Val; text: string; origin?: Origin } | undefined;

const MAX_DEPTH = 8;

export function launchParams(command: SyntaxNode, env: Env): [string, Val, Origin | undefined][] {
  const tokens = commandTokens(command, env);
  return tokens ? parameters(tokens) : [];
}

/** The command's tokens, each the pieces it is made of. */
function commandTokens(node: SyntaxNode, env: Env): Piece[][] | undefined {
  if (node.name === 'ArrayExpression' || node.name === 'TupleExpression') {
    const out: Piece[][] = [];
    for (const item of commaItems(innerChildren(node))) {
      if (item.length !== 1) return undefined;
      out.push(pieces(item[0], env, 0) ?? [undefined]);
    }
    return out;
  }
  if (node.name === 'VariableName') {
    const b = binding(node, env);
    if (b) return commandTokens(b.node, b.env);
  }
  const whole = pieces(node, env, 0);
  if (whole) return split(whole);
  const v = env.st.evaluate(node, env);
  if (v.t === 'seq') return v.items.map(item => [textPiece(item)]);
  return undefined;
}

function textPiece(v: Val): Piece {
  const s = str(v);
  return s === undefined ? undefined : { text: s };
}

/** The pieces of text an expression builds, keeping the values printed into it. */
function pieces(node: SyntaxNode, env: Env, depth: number): Piece[] | undefined {
  if (depth > MAX_DEPTH) return undefined;
  switch (node.name) {
    case 'String': {
      const s = parseString(textOf(env.ctx.unit.source, node));
      return s === undefined ? undefined : [{ text: s }];
    }
    case 'FormatString': return formatPieces(node, env);
    case 'ParenthesizedExpression': {
      const inner = innerChildren(node);
      return inner.length === 1 ? pieces(inner[0], env, depth + 1) : undefined;
    }
    case 'BinaryExpression': {
      const [a, op, b] = children(node);
      if (op && textOf(env.ctx.unit.source, op) === '+' && a && b) {
        const left = pieces(a, env, depth + 1), right = pieces(b, env, depth + 1);
        return left && right ? [...left, ...right] : undefined;
      }
      break;
    }
    case 'CallExpression': {
      // str(x): the value of x, printed.
      const callee = node.firstChild;
      const args = node.getChild('ArgList');
      const inner = args ? commaItems(innerChildren(args)) : [];
      if (callee?.name === 'VariableName' && textOf(env.ctx.unit.source, callee) === 'str' && inner.length === 1 && inner[0].length === 1
        && !lookup(env.ctx.scope, 'str', callee.from)) {
        return [valuePiece(env.st.evaluate(inner[0][0], env), { node: inner[0][0], ctx: env.ctx })];
      }
      break;
    }
    case 'VariableName': return namePieces(textOf(env.ctx.unit.source, node), node.from, env, depth, { node, ctx: env.ctx });
  }
  const v = env.st.evaluate(node, env);
  return [v.t === 'scalar' && typeof v.v === 'string' ? { text: v.v } : valuePiece(v, { node, ctx: env.ctx })];
}

function valuePiece(v: Val, origin?: Origin): Piece {
  const text = strOf(v);
  return text === undefined ? undefined : { val: v, text, origin };
}

/** An f-string's pieces: a field without spec or conversion keeps its value. */
function formatPieces(node: SyntaxNode, env: Env): Piece[] | undefined {
  const src = env.ctx.unit.source;
  const fields = node.getChildren('FormatReplacement');
  if (!fields.length) {
    const v = env.st.evaluate(node, env);
    return v.t === 'scalar' && typeof v.v === 'string' ? [{ text: v.v }] : undefined;
  }
  const m = /^([a-zA-Z]*)('''|"""|'|")/.exec(textOf(src, node));
  if (!m) return undefined;
  const out: Piece[] = [];
  let pos = node.from + m[0].length;
  const literal = (to: number) => {
    // The literal parts, decoded as a plain string of the same prefix (without the f) would be.
    const piece = src.slice(pos, to).replace(/\{\{/g, '{').replace(/\}\}/g, '}');
    const s = parseString(m[1].replace(/f/gi, '') + m[2] + piece + m[2]);
    if (s !== '') out.push(s === undefined ? undefined : { text: s });
  };
  for (const field of fields) {
    literal(field.from);
    const inner = children(field).filter(c => c.name !== '{' && c.name !== '}');
    if (inner.length === 1) out.push(valuePiece(env.st.evaluate(inner[0], env), { node: inner[0], ctx: env.ctx }));
    else {
      // A spec or conversion changes the text: evaluate the field alone, as text.
      const one = env.st.evaluate(node, env);
      if (one.t !== 'scalar') return undefined;
      return [{ text: String(one.v) }];
    }
    pos = field.to;
  }
  literal(node.to - m[2].length);
  return out;
}

/**
 * The pieces of a name's text: from its assignment, or built up with `+=`
 * (`cmd = "python main.py"; cmd += f" --lr {lr}"`). A loop variable or argument keeps its value.
 */
function namePieces(name: string, pos: number, env: Env, depth: number, origin?: Origin): Piece[] | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const r = lookup(env.ctx.scope, name, pos);
  const b = r?.binding;
  if (r && b) {
    const inner: Env = { ctx: r.scope === env.ctx.scope ? env.ctx : { unit: r.scope.unit, scope: r.scope, depth: env.ctx.depth }, st: env.st };
    if (b.kind === 'value' && !b.path.length && !Array.isArray(b.value)) return pieces(b.value, inner, depth + 1);
    if (b.kind === 'update' && b.change.op === 'augment' && b.change.operator === '+') {
      const before = namePieces(name, b.at, inner, depth + 1);
      const added = pieces(b.change.value, inner, depth + 1);
      return before && added ? [...before, ...added] : undefined;
    }
  }
  return [valuePiece(env.locals?.get(name) ?? nameValue(name, pos, env), origin)];
}

/** A name bound by a plain assignment: where its value comes from. */
function binding(node: SyntaxNode, env: Env): { node: SyntaxNode; env: Env } | undefined {
  const r = lookup(env.ctx.scope, textOf(env.ctx.unit.source, node), node.from);
  const b = r?.binding;
  if (!r || b?.kind !== 'value' || b.path.length || Array.isArray(b.value)) return undefined;
  const ctx: Ctx = r.scope === env.ctx.scope ? env.ctx : { unit: r.scope.unit, scope: r.scope, depth: env.ctx.depth };
  return { node: b.value, env: { ctx, st: env.st } };
}

/** Split pieces at whitespace in their literal text (a printed value is never split). */
function split(all: Piece[]): Piece[][] {
  const tokens: Piece[][] = [];
  let cur: Piece[] = [];
  for (const p of all) {
    if (!p || 'val' in p) { cur.push(p); continue; }
    const parts = p.text.split(/\s+/);
    parts.forEach((part, i) => {
      if (i > 0 && cur.length) { tokens.push(cur); cur = []; }
      if (part) cur.push({ text: part });
    });
  }
  if (cur.length) tokens.push(cur);
  return tokens;
}

/** A token's text, or undefined when part of it is unknown. */
function tokenText(t: Piece[]): string | undefined {
  let s = '';
  for (const p of t) { if (!p) return undefined; s += p.text; }
  return s;
}

type Param = [string, Val, Origin | undefined];

/** A token's value: the value printed into it when it is nothing else, else its text. */
function tokenValue(name: string, t: Piece[]): Param {
  if (t.length === 1 && t[0] && 'val' in t[0]) return [name, t[0].val, t[0].origin];
  const s = tokenText(t);
  return [name, s === undefined ? UNKNOWN : scalar(s), undefined];
}

const PYTHON = /^(?:.*\/)?python[\d.]*$/;

/** The options of a command line as parameters. */
function parameters(tokens: Piece[][]): Param[] {
  const texts = tokens.map(tokenText);
  // Options start after the script (`x.py`, or the module after `-m`); without one, after the program.
  let start = texts.findIndex(t => t !== undefined && /\.py$/.test(t)) + 1;
  const module = texts.indexOf('-m');
  if (module >= 0 && (start === 0 || module + 1 < start)) start = module + 2;
  const python = start > 0 || texts.some(t => t !== undefined && PYTHON.test(t));
  if (start === 0) start = 1;
  const out: Param[] = [];
  for (let i = start; i < tokens.length; i++) {
    const t = texts[i];
    if (t === undefined) {
      // `--lr=` followed by a value piece: the flag is in the literal text before it.
      const head = tokens[i][0];
      const m = head && !('val' in head) ? /^--?([A-Za-z][\w.-]*)=$/.exec(head.text) : null;
      if (m) out.push(tokenValue(argName(m[1]), tokens[i].slice(1)));
      continue;
    }
    const long = /^--([A-Za-z][\w.-]*)(?:=(.*))?$/s.exec(t) ?? (python ? /^-([A-Za-z][\w.-]*)(?:=(.*))?$/s.exec(t) : null);
    if (long) {
      const name = argName(long[1]);
      if (long[2] !== undefined) { out.push(valueAfter(name, tokens[i], t.indexOf('=') + 1)); continue; }
      const next = tokens[i + 1];
      const nextText = texts[i + 1];
      if (!next || (nextText !== undefined && /^-[A-Za-z-]/.test(nextText))) continue; // a switch: no value
      out.push(tokenValue(name, next));
      i++;
      continue;
    }
    const hydra = /^\+{0,2}([A-Za-z_][\w.]*)=(.*)$/s.exec(t);
    if (hydra) out.push(valueAfter(hydra[1], tokens[i], t.indexOf('=') + 1));
  }
  return out;
}

/** argparse's name for an option: `batch-size` is `batch_size`. Hydra's dotted names stay. */
function argName(flag: string): string {
  return flag.replace(/-/g, '_');
}

/** The value of `name=value` inside a token: the printed value when it is all that follows `=`. */
function valueAfter(name: string, token: Piece[], offset: number): Param {
  let seen = 0;
  for (let i = 0; i < token.length; i++) {
    const p = token[i];
    if (!p) return [name, UNKNOWN, undefined];
    if (!('val' in p) && seen + p.text.length === offset) return tokenValue(name, token.slice(i + 1));
    seen += p.text.length;
  }
  const s = tokenText(token);
  return [name, s === undefined ? UNKNOWN : scalar(s.slice(offset)), undefined];
}
