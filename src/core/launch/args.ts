/**
 * A combination as the script's command-line arguments. Values are written as Python's `str()`
 * writes them (the spelling the run will log), so `--lr 0.001` and the logged `lr` agree.
 * The arguments go to the process as a list, never through a shell: nothing needs escaping for
 * the process itself; `commandLine` only quotes for showing it.
 */
import { pythonStr } from '../params/canonical';
import { shellQuote } from '../runs/format';
import type { ArgumentStyle } from './grid';

export function renderArguments(params: Record<string, unknown>, style: ArgumentStyle): string[] {
  const entries = Object.entries(params);
  if (style === 'hydra') return entries.map(([k, v]) => `${k}=${hydraValue(v)}`);
  return entries.flatMap(([k, v]) => [k.startsWith('-') ? k : `--${k}`, pythonStr(v)]);
}

/**
 * Hydra parses override values itself: `null` is its None, lists are `[a,b]`, and a string with
 * characters its grammar gives meaning to (spaces, commas, brackets, quotes, `=`) must be quoted.
 */
export function hydraValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return `[${v.map(hydraValue).join(',')}]`;
  const s = pythonStr(v);
  if (typeof v !== 'string') return s;
  return /^[\w.\-+/:@%]+$/.test(s) && !/^(null|true|false)$/i.test(s) ? s : `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The command as a person would type it in a POSIX shell, for the terminal and the log. */
export function commandLine(argv: string[]): string {
  return argv.map((a) => (a === '' ? "''" : shellQuote(a))).join(' ');
}
