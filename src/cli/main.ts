import * as fs from 'node:fs';
import * as path from 'node:path';
import { commandOf, GLOBAL_OPTIONS, parseCommandArgs, type CliContext, CliError, type OptionSpec } from './args';
import { errorSentence } from '../core/commands/guard';
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
${optionRows(GLOBAL_OPTIONS)}

'runlens COMMAND --help' says what a command takes.
Exit codes: 0 done (for exists: logged), 1 exists: not logged, 2 error.
`;
}

function optionRows(options: Record<string, OptionSpec>): string {
  return Object.entries(options).map(([name, o]) => {
    const head = `${o.short ? `-${o.short}, ` : ''}--${name}${o.value ? ` ${o.value}` : ''}`;
    return head.length <= 26 ? `  ${head.padEnd(26)} ${o.help}` : `  ${head}\n  ${' '.repeat(26)} ${o.help}`;
  }).join('\n');
}

/** `runlens COMMAND --help`. */
export function commandUsage(name: string, c: { args: string; summary: string; options?: Record<string, OptionSpec> }): string {
  return `Usage: runlens ${name} ${c.args}`.trimEnd() + `\n\n${c.summary[0].toUpperCase()}${c.summary.slice(1)}.\n\nOptions:\n${optionRows({ ...(c.options ?? {}), ...GLOBAL_OPTIONS })}\n`;
}

/** Where the command line writes: stdout and stderr, or a test's collector. */
export interface Sink { write(text: string): unknown }

export async function main(argv: string[], out: Sink = process.stdout, err: Sink = process.stderr, io: { writeFs?: WriteFs } = {}): Promise<number> {
  const { name: cmd, rest } = commandOf(argv);
  const command = cmd === undefined || cmd === 'help' || cmd === 'version' ? undefined : COMMANDS[cmd];
  if (cmd !== undefined && cmd !== 'help' && cmd !== 'version' && !command) {
    err.write(`runlens: unknown command '${cmd}' (commands: version, ${Object.keys(COMMANDS).join(', ')}; see runlens --help)\n`);
    return 2;
  }
  let args;
  try {
    args = parseCommandArgs(rest, command?.options ?? {});
  } catch (e) {
    err.write(`runlens${cmd ? ` ${cmd}` : ''}: ${(e as Error).message}; see 'runlens ${cmd ? `${cmd} ` : ''}--help'\n`);
    return 2;
  }
  if (cmd === undefined || cmd === 'help') { out.write(usage()); return 0; }
  if (cmd === 'version') {
    if (args.flags.has('help')) { out.write('Usage: runlens version [--json]\n\nPrints the RunLens version.\n'); return 0; }
    out.write(args.flags.has('json') ? JSON.stringify({ version: VERSION }) + '\n' : `${VERSION}\n`);
    return 0;
  }
  if (!command) return 2;
  if (args.flags.has('help')) { out.write(commandUsage(cmd, command)); return 0; }
  const ctx: CliContext = {
    workspace: path.resolve(args.options.get('workspace') ?? findWorkspace(process.cwd())),
    writeFs: io.writeFs,
    json: args.flags.has('json'),
    positional: args.positional,
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
    // Anything else is a bug of ours: still one sentence; the stack when asked for (RUNLENS_DEBUG=1).
    err.write(`runlens ${cmd}: ${errorSentence(e)}${process.env.RUNLENS_DEBUG ? `\n${(e as Error).stack ?? ''}` : ' (RUNLENS_DEBUG=1 shows the details)'}\n`);
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
