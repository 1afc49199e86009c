/**
 * Text built from known values the ways Python scripts build it: `str()`, `repr()`, f-string
 * fields (`{lr:.0e}`, `{x!r}`, `{lr=}`), `"..".format(..)` and `".." % (..)`. The rules of each
 * format spec are format.ts's; values print as canonical.ts's `pythonStr`/`pythonRepr` print them.
 */
import { pythonRepr, pythonStr } from '../params/canonical';
import { pyFormat } from './format';
import { scalarText, toJSON, type Val } from './pyValue';

/** `str(v)` of a known value. */
export function strOf(v: Val): string | undefined {
  if (v.t === 'scalar') return scalarText(v, pythonStr);
  const j = toJSON(v);
  return j === undefined ? undefined : pythonStr(j);
}

/** `repr(v)` of a known value. */
export function reprOf(v: Val): string | undefined {
  if (v.t === 'scalar' && typeof v.v === 'string') return pythonRepr(v.v);
  return strOf(v);
}

/** `format(v, spec)` after an optional conversion (`!r`, `!s`, `!a`). */
export function formatVal(v: Val, spec: string, conversion = ''): string | undefined {
  if (conversion) {
    const s = conversion === 's' ? strOf(v) : reprOf(v);
    return s === undefined ? undefined : pyFormat(s, spec);
  }
  if (v.t !== 'scalar') return spec === '' ? strOf(v) : undefined;
  const x = v.v;
  if (typeof x === 'number' || typeof x === 'bigint') return pyFormat({ value: x, float: !!v.float }, spec);
  return pyFormat(x, spec);
}

/** `template.format(*pos, **kw)`: `{}`, `{0}`, `{name}`, each with a conversion and a spec. */
export function strFormat(template: string, pos: Val[], kw: Map<string, Val>): string | undefined {
  let auto = 0;
  let out = '';
  const field = /\{\{|\}\}|\{([^{}!:]*)(?:!([rsa]))?(?::([^{}]*))?\}|[{}]/g;
  let last = 0;
  for (let m = field.exec(template); m; m = field.exec(template)) {
    out += template.slice(last, m.index);
    last = m.index + m[0].length;
    if (m[0] === '{{' || m[0] === '}}') { out += m[0][0]; continue; }
    if (m[0] === '{' || m[0] === '}') return undefined;
    const name = m[1];
    const v = name === '' ? pos[auto++] : /^\d+$/.test(name) ? pos[Number(name)] : kw.get(name);
    if (!v) return undefined;
    const s = formatVal(v, m[3] ?? '', m[2]);
    if (s === undefined) return undefined;
    out += s;
  }
  return out + template.slice(last);
}

/** `template % args`: `%s`, `%r`, `%d`, `%i`, `%f`, `%e`, `%g` (with flags, width, precision) and `%%`. */
export function percentFormat(template: string, args: Val): string | undefined {
  const values = args.t === 'seq' && args.tuple ? args.items : [args];
  let i = 0;
  let failed = false;
  const out = template.replace(/%([-+ 0#]*)(\d*)(?:\.(\d+))?([sridfFeEgGxXo%])/g, (_, flags: string, width: string, prec: string | undefined, type: string) => {
    if (type === '%') return '%';
    const v = values[i++];
    if (!v || failed) { failed = true; return ''; }
    if (type === 's' || type === 'r') {
      const s = type === 's' ? strOf(v) : reprOf(v);
      if (s === undefined) { failed = true; return ''; }
      return s.padStart(flags.includes('-') ? 0 : Number(width || 0)).padEnd(flags.includes('-') ? Number(width || 0) : 0);
    }
    // The same rules as format(): `%-08.3f` is spec `<08.3f`, `%i` is `d`.
    const align = flags.includes('-') ? '<' : '';
    const spec = `${align}${flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : ''}${flags.includes('#') ? '#' : ''}${flags.includes('0') && !align ? '0' : ''}${width}${prec !== undefined ? '.' + prec : ''}${type === 'i' ? 'd' : type}`;
    const n = v.t === 'scalar' && (typeof v.v === 'number' || typeof v.v === 'boolean') ? Number(v.v) : undefined;
    if (n === undefined) { failed = true; return ''; }
    // %d truncates a float; %f formats an int as a float.
    const s = 'dxXo'.includes(spec.at(-1)!) ? formatVal({ t: 'scalar', v: Math.trunc(n) }, spec) : formatVal({ t: 'scalar', v: n, float: true }, spec);
    if (s === undefined) failed = true;
    return s ?? '';
  });
  return failed || i !== values.length ? undefined : out;
}

