/**
 * The one way a RunLens command runs, whatever feature declares it: refused with a reason in an
 * untrusted workspace when it runs the workspace's code, and an error that escapes it logged with
 * its detail and said once to the person, in words they can act on. Pure: the editor hands in
 * how to check trust, log and tell (src/commands.ts), so the rule is tested in plain Node.
 */

export interface CommandSpec {
  /** `runlens.verbNoun`, as contributed in package.json. */
  id: string;
  /** Runs the workspace's code (a launch): refused in an untrusted workspace. */
  runsWorkspaceCode?: boolean;
  run(...args: never[]): unknown;
}

export interface CommandSurface {
  isTrusted(): boolean;
  /** Says why the command did nothing, offering to manage trust. */
  refuseUntrusted(id: string): Promise<void> | void;
  /** Everything a person debugging it would want: the command and the stack. */
  logError(id: string, error: unknown): void;
  /** Once, in a sentence. */
  tell(message: string): void;
}

/** Wraps a command's handler in the one path every command takes. */
export function guarded(spec: CommandSpec, surface: CommandSurface): (...args: unknown[]) => Promise<unknown> {
  return async (...args: unknown[]) => {
    if (spec.runsWorkspaceCode && !surface.isTrusted()) {
      await surface.refuseUntrusted(spec.id);
      return undefined;
    }
    try {
      return await (spec.run as (...a: unknown[]) => unknown)(...args);
    } catch (e) {
      surface.logError(spec.id, e);
      surface.tell(`RunLens: ${errorSentence(e)}`);
      return undefined;
    }
  };
}

/** An error as a sentence for a person: its message, without a stack, never empty. */
export function errorSentence(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const first = message.split('\n')[0].trim();
  return first || (e instanceof Error ? e.name : 'something went wrong (see the RunLens output)');
}

/** Every id once: a table that declares one twice is a mistake caught at activation. */
export function checkTable(specs: readonly CommandSpec[]): void {
  const seen = new Set<string>();
  for (const s of specs) {
    if (seen.has(s.id)) throw new Error(`the command ${s.id} is declared twice`);
    seen.add(s.id);
  }
}
