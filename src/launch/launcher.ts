import * as path from 'node:path';
import * as vscode from 'vscode';
import { commandLine } from '../core/launch/args';
import { exitOutcome, LaunchLog, newRunId } from '../core/launch/runLog';
import type { EndEvent } from '../core/runlog/events';
import type { FolderStore } from '../store/folderStores';
import { ProcessTerminal } from './processTerminal';

export interface LaunchSpec {
  store: FolderStore;
  interpreter: string;
  /** Absolute path of the script. */
  script: string;
  /** The combination: logged by the launcher, passed as RUNLENS_PARAMS. */
  params: Record<string, unknown>;
  /** The script's command-line arguments. */
  args: string[];
  experiment: string;
  tags?: Record<string, string>;
  /** The task's name, as the terminal tab shows it. */
  label: string;
}

export interface LaunchedRun {
  runId: string;
  logFile: string;
  /** The run's end, once its process has exited: its own `end` line, or the one the launcher wrote. */
  outcome: Promise<EndEvent>;
  /** Ends its process tree; the run is recorded as killed. */
  stop(): Promise<void>;
}

const HEARTBEAT_MS = 5000;
/** If the task system has not opened the terminal by then, the process starts without one. */
const TERMINAL_DEADLINE_MS = 10_000;

/**
 * Starts one run of a script as a VS Code task, with what the Python client needs in its
 * environment, and keeps its record true: the run is in `.runlens/` before the process starts,
 * and it ends with the status the exit means if the script did not log its own end.
 */
export class Launcher implements vscode.Disposable {
  private readonly live = new Set<ProcessTerminal>();

  constructor(private readonly pythonClientDir: string, private readonly log: vscode.LogOutputChannel) {}

  async launch(spec: LaunchSpec): Promise<LaunchedRun> {
    const folder = spec.store.folder;
    const runId = newRunId();
    const argv = [spec.script, ...spec.args];
    const runLog = LaunchLog.create({
      dir: path.join(folder.uri.fsPath, '.runlens'), runId, experiment: spec.experiment,
      script: spec.script, argv, params: spec.params, tags: spec.tags,
    });
    void spec.store.client.api.refresh(); // the run is in the tree now, not at the next poll
    const shown = commandLine([path.basename(spec.interpreter), path.relative(folder.uri.fsPath, spec.script) || spec.script, ...spec.args]);
    const terminal = new ProcessTerminal({
      command: spec.interpreter, args: argv, cwd: folder.uri.fsPath, env: this.environment(folder, spec, runId), commandLine: shown,
    });
    this.live.add(terminal);
    this.log.info(`Run ${runId} launched in ${folder.name}: ${shown}`);

    const heartbeat = setInterval(() => {
      // Until the Python client writes (it heartbeats itself), the launcher keeps the run from looking crashed.
      if (runLog.taken()) { clearInterval(heartbeat); return; }
      try { runLog.heartbeat(); } catch (e) { this.log.warn(`Run ${runId}: heartbeat not written (${(e as Error).message})`); }
    }, HEARTBEAT_MS);
    const outcome = terminal.exited.then((exit) => {
      clearInterval(heartbeat);
      this.live.delete(terminal);
      const { status, error } = exit.spawnError
        ? { status: 'failed' as const, error: { type: 'LaunchError', message: `${spec.interpreter} could not start: ${exit.spawnError}` } }
        : exitOutcome(exit.code, exit.signal, exit.stderrTail);
      let end: EndEvent;
      try {
        end = runLog.finish(status, error);
      } catch (e) {
        this.log.error(`Run ${runId}: its end could not be written to ${runLog.file}: ${(e as Error).message}`);
        end = { e: 'end', t: Date.now(), status, error };
      }
      this.log.info(`Run ${runId} ended: ${end.status}${exit.signal ? ` (${exit.signal})` : ` (exit code ${exit.code})`}`);
      void spec.store.client.api.refresh();
      return end;
    });

    const task = new vscode.Task({ type: 'runlens', script: spec.script, runId }, folder, spec.label, 'RunLens', new vscode.CustomExecution(async () => terminal));
    task.presentationOptions = {
      // Shown, so the person can watch it, but without taking the keyboard from the editor.
      reveal: vscode.TaskRevealKind.Always, focus: false, panel: vscode.TaskPanelKind.Shared, clear: false, echo: false, showReuseMessage: false,
    };
    try {
      await vscode.tasks.executeTask(task);
      setTimeout(() => {
        if (terminal.spawned) return;
        this.log.warn(`Run ${runId}: the task's terminal did not open within ${TERMINAL_DEADLINE_MS / 1000} s; running it without one`);
        terminal.open();
      }, TERMINAL_DEADLINE_MS);
    } catch (e) {
      this.log.warn(`Run ${runId}: VS Code would not run it as a task (${(e as Error).message}); running it without a terminal`);
      terminal.open();
    }
    return { runId, logFile: runLog.file, outcome, stop: () => terminal.stop() };
  }

  private environment(folder: vscode.WorkspaceFolder, spec: LaunchSpec, runId: string): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    // What the extension host inherited from a terminal of its own must not leak into the run.
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('RUNLENS_')) env[k] = v;
    env.PYTHONPATH = [this.pythonClientDir, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter);
    env.PYTHONUNBUFFERED = '1'; // on a pipe Python would hold output back in blocks
    env.PYTHONIOENCODING ??= 'utf-8';
    env.RUNLENS_DIR = path.join(folder.uri.fsPath, '.runlens');
    env.RUNLENS_EXPERIMENT = spec.experiment;
    env.RUNLENS_RUN_ID = runId;
    if (Object.keys(spec.params).length) env.RUNLENS_PARAMS = JSON.stringify(spec.params);
    return env;
  }

  /** The window is closing: its runs end with it, as a terminal's processes would (recorded as killed). */
  dispose(): void {
    for (const t of this.live) void t.stop();
    this.live.clear();
  }
}
