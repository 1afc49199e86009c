import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs, type CliContext, CliError } from './args';
import { COMMANDS } from './commands';
import { StoreError } from '../core/store/errors';
import type { WriteFs } from '../core/store/atomicFile';

import { VERSION } from '../core/version';

export function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => {
    const head = `${name} ${c.args}`.trim();
    return head.length <= 26 ? `  ${head.padEnd(26)} ${c.summary}` : `  ${head}\n  ${' '.repeat(26)} ${c.summary}`;
  });
  return `runlens ${VERSION}: experiment tracking for the editor and the terminal

Usage: runlens <command> [options]

Commands:
  version                    print the RunLens version
${rows.join('\n')}

Options (every command):
  --workspace DIR            the workspace folder whose .runlens/ is used (default: RUNLENS_DIR's
                             folder, else the nearest folder up from here with a .runlens/, else here)
  --json                     machine-readable output
  --help                     this text

Exit codes: 0 done (for exists: logged), 1 exists: not logged, 2 error.
`;
}

/** Where the command line writes: stdout and stderr, or a test's collector. */
export interface Sink { write(text: string): unknown }

export async function main(argv: string[], out: Sink = process.stdout, err: Sink = process.stderr, io: { writeFs?: WriteFs } = {}): Promise<number> {
  let args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    err.write(`runlens: ${(e as Error).message}\n`);
    return 2;
  }
  const [cmd, ...rest] = args.positional;
  if (!cmd || cmd === 'help' || args.flags.has('help')) { out.write(usage()); return 0; }
  if (cmd === 'version') {
    out.write(args.flags.has('json') ? JSON.stringify({ version: VERSION }) + '\n' : `${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[cmd];
  if (!command) { err.write(`runlens: unknown command '${cmd}'\n\n${usage()}`); return 2; }
  const ctx: CliContext = {
    workspace: path.resolve(args.options.get('workspace') ?? findWorkspace(process.cwd())),
    writeFs: io.writeFs,
    json: args.flags.has('json'),
    positional: rest,
    flags: args.flags,
    options: args.options,
    lists: args.lists,
    out: (s) => out.write(s),
    err: (s) => err.write(s),
  };
  try {
    return await command.run(ctx);
  } catch (e) {
    if (e instanceof CliError) { err.write(`runlens ${cmd}: ${e.message}\n`); return e.code; }
    if (e instanceof StoreError) { err.write(`runlens ${cmd}: ${e.message}\n`); return 2; }
    err.write(`runlens ${cmd}: ${(e as Error).stack ?? e}\n`);
    return 2;
  }
}

/**
 * The workspace a command works on when --workspace is not given, found as the Python client finds
 * its `.runlens/`: RUNLENS_DIR's folder, else the nearest folder up from here that has a `.runlens/`,
 * else here.
 */
export function findWorkspace(from: string): string {
  if (process.env.RUNLENS_DIR) return path.dirname(path.resolve(process.env.RUNLENS_DIR));
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, '.runlens'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from);
  }
}

if (require.main === module) {
  // `runlens runs --json | head`: the reader went away; that ends the command quietly, as in any tool.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); throw e; });
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
