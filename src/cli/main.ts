const USAGE = `runlens <command> [options]

Commands:
  version            print the RunLens version
Options (every command):
  --workspace DIR    the workspace folder (default: the current directory)
  --json             machine-readable output
`;

function main(argv: string[]): number {
  const cmd = argv[0];
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') { process.stdout.write(USAGE); return 0; }
  if (cmd === 'version') { process.stdout.write('0.1.0\n'); return 0; }
  process.stderr.write(`runlens: unknown command '${cmd}'\n\n${USAGE}`);
  return 2;
}
process.exitCode = main(process.argv.slice(2));
