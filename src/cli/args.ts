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

/** Options that take a value; every other `--name` is a flag. */
const VALUED = new Set(['workspace', 'experiment', 'metric', 'limit', 'sort', 'filter']);

export function parseArgs(argv: string[]): ParsedArgs {
  const out: ParsedArgs = { positional: [], flags: new Set(), options: new Map(), lists: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { out.positional.push(...argv.slice(i + 1)); break; }
    if (!a.startsWith('--')) { out.positional.push(a); continue; }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (VALUED.has(name)) {
      const value = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new Error(`--${name} needs a value`);
      out.options.set(name, value);
      out.lists.set(name, [...(out.lists.get(name) ?? []), value]);
    } else {
      out.flags.add(name);
    }
  }
  return out;
}
