import { parseArgs as nodeParseArgs } from 'node:util';
import type { WriteFs } from '../core/store/atomicFile';

/** A failure the user can act on. Exit code 2, as for any error: `exists` answers "no" with 1. */
export class CliError extends Error {
  constructor(message: string, readonly code = 2) { super(message); }
}

export interface ParsedArgs {
  positional: string[];
  flags: Set<string>;
  /** Each valued option's last value... */
  options: Map<string, string>;
  /** ...and all of them, for the options that may be given more than once (`--experiment A --experiment B`). */
  lists: Map<string, string[]>;
}

export interface CliContext {
  workspace: string;
  /** The file calls the store writes through (tests fail them like a full disk). */
  writeFs?: WriteFs;
  json: boolean;
  positional: string[];
  flags: Set<string>;
  options: Map<string, string>;
  lists: Map<string, string[]>;
  out(s: string): void;
  err(s: string): void;
}

/** An option of a command, as Node's `util.parseArgs` takes it, with what it means for `--help`. */
export interface OptionSpec { type: 'string' | 'boolean'; short?: string; multiple?: boolean; value?: string; help: string }

/** The options every command takes. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  workspace: { type: 'string', value: 'DIR', help: "the workspace folder whose .runlens/ is used (default: RUNLENS_DIR's folder, else the nearest folder up from here with a .runlens/, else here)" },
  json: { type: 'boolean', help: 'machine-readable output' },
  help: { type: 'boolean', short: 'h', help: 'what the command does and takes' },
};

/**
 * Parses a command's arguments strictly (Node's `util.parseArgs`): an option the command does not
 * take is an error naming it, with the nearest one it does take, never silently ignored.
 */
export function parseCommandArgs(argv: string[], options: Record<string, OptionSpec>): ParsedArgs {
  const all = { ...GLOBAL_OPTIONS, ...options };
  let parsed;
  try {
    parsed = nodeParseArgs({
      args: argv, strict: true, allowPositionals: true,
      options: Object.fromEntries(Object.entries(all).map(([k, o]) => [k, { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) }])),
    });
  } catch (e) {
    throw new CliError(parseProblem(e as Error & { code?: string }, Object.keys(all)));
  }
  const out: ParsedArgs = { positional: parsed.positionals, flags: new Set(), options: new Map(), lists: new Map() };
  for (const [k, v] of Object.entries(parsed.values)) {
    if (v === true) out.flags.add(k);
    else if (typeof v === 'string') { out.options.set(k, v); out.lists.set(k, [v]); }
    else if (Array.isArray(v)) { out.options.set(k, String(v.at(-1))); out.lists.set(k, v.map(String)); }
  }
  return out;
}

/** util.parseArgs's error, as one sentence that names the option and what was probably meant. */
function parseProblem(e: Error & { code?: string }, known: string[]): string {
  const unknown = /Unknown option '([^']+)'/.exec(e.message)?.[1];
  if (unknown) {
    const name = unknown.replace(/^-+/, '');
    const near = known.map((k) => ({ k, d: distance(name, k) })).sort((a, b) => a.d - b.d)[0];
    return `unknown option ${unknown}${near && near.d <= 2 ? ` (did you mean --${near.k}?)` : ''}`;
  }
  const needsValue = /Option '([^']+?)(?: <value>)?' argument missing/.exec(e.message)?.[1];
  if (needsValue) return `${needsValue.replace(/^-\w, /, '')} needs a value`;
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const flag = /Option '([^']+)'/.exec(e.message)?.[1];
    return flag ? `${flag.replace(/^-\w, /, '')} takes no value` : e.message.split('. ')[0];
  }
  return e.message.split('. ')[0];
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  }
  return d[a.length][b.length];
}

/** The command a command line names: the first argument that is neither an option nor a global option's value. */
export function commandOf(argv: string[]): { name: string | undefined; rest: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--workspace') { i++; continue; }
    if (a.startsWith('-')) continue;
    return { name: a, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
  }
  return { name: undefined, rest: argv };
}
