import * as path from 'node:path';
import * as vscode from 'vscode';
import { setting } from '../settings';
import { commandLine } from '../core/launch/args';
import { exitOutcome, LaunchLog, newRunId } from '../core/launch/runLog';
import type { EndEvent } from '../core/runlog/events';
import type { FolderStore } from '../store/folderStores';
import { ProcessTerminal, type ProcessExit } from './processTerminal';

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
  /**
   * The run's end, once its process has exited: its own `end` line, or the one the launcher wrote;
   * `notStarted` when the script failed before logging anything of it (the launch failed).
   */
  outcome: Promise<EndEvent & { notStarted: boolean }>;
  /** Ends its process tree; the run is recorded as killed. */
  stop(): Promise<void>;
}

export interface LaunchedProcess {
  exited: Promise<ProcessExit>;
  /** Ends its process tree. */
  stop(): Promise<void>;
}

/** RunLens's variables a launched run inherits from VS Code's environment: the person's, not a launcher's. */
const KEPT_FROM_HOST = new Set(['RUNLENS_TRACKING_URI', 'RUNLENS_REQUIRE_SERVER']);

/** Set on a launched run whose script failed before logging it; the run is then deleted. */
export const LAUNCH_FAILED_TAG = 'runlens.launch_failed';

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
    const env = this.environment(folder, spec.experiment);
    env.RUNLENS_RUN_ID = runId;
    if (Object.keys(spec.params).length) env.RUNLENS_PARAMS = JSON.stringify(spec.params);
    const proc = this.start({ store: spec.store, interpreter: spec.interpreter, argv, env, label: spec.label, shown: spec.args, script: spec.script, taskId: runId });
    this.log.info(`Run ${runId} launched in ${folder.name}: ${proc.shown}`);

    const heartbeat = setInterval(() => {
      // Until the Python client writes (it heartbeats itself), the launcher keeps the run from looking crashed.
      if (runLog.taken()) { clearInterval(heartbeat); return; }
      try { runLog.heartbeat(); } catch (e) { this.log.warn(`Run ${runId}: heartbeat not written (${(e as Error).message})`); }
    }, HEARTBEAT_MS);
    const outcome = proc.exited.then(async (exit) => {
      clearInterval(heartbeat);
      const { status, error } = exit.spawnError
        ? { status: 'failed' as const, error: { type: 'LaunchError', message: `${spec.interpreter} could not start: ${exit.spawnError}` } }
        : exitOutcome(exit.code, exit.signal, exit.stderrTail);
      // A combination whose script failed before it logged anything of it (bad arguments, a
      // script that logs other parameters than it was launched with): the launch failed, not the
      // run. Its record is kept, deleted, so no lens counts it as a failed result.
      const notStarted = status === 'failed' && !runLog.taken() && Object.keys(spec.params).length > 0;
      let end: EndEvent;
      try {
        end = runLog.finish(status, error);
      } catch (e) {
        this.log.error(`Run ${runId}: its end could not be written to ${runLog.file}: ${(e as Error).message}`);
        end = { e: 'end', t: Date.now(), status, error };
      }
      if (notStarted) {
        try {
          await spec.store.client.api.edit({ e: 'tag', run: runId, key: LAUNCH_FAILED_TAG, value: error?.message || 'the script exited before it logged the run' });
          await spec.store.client.api.edit({ e: 'delete', run: runId });
        } catch (e) {
          this.log.warn(`Run ${runId}: could not be set aside as not started (${(e as Error).message})`);
        }
      }
      this.log.info(`Run ${runId} ended: ${notStarted ? 'not started' : end.status}${exit.signal ? ` (${exit.signal})` : ` (exit code ${exit.code})`}`);
      void spec.store.client.api.refresh();
      return { ...end, notStarted };
    });
    return { runId, logFile: runLog.file, outcome, stop: proc.stop };
  }

  /**
   * Runs a command that records its own runs (the loop runner): no run is made for it beforehand.
   * Resolves, once it has exited, with how it exited.
   */
  runProcess(spec: { store: FolderStore; interpreter: string; argv: string[]; experiment?: string; label: string; shown: string[]; note?: string; script: string }): LaunchedProcess {
    const env = this.environment(spec.store.folder, spec.experiment);
    const proc = this.start({ ...spec, env, taskId: newRunId() });
    this.log.info(`Launched in ${spec.store.folder.name}: ${proc.shown}`);
    return { exited: proc.exited, stop: proc.stop };
  }

  private start(spec: { store: FolderStore; interpreter: string; argv: string[]; env: NodeJS.ProcessEnv; label: string; shown: string[]; note?: string; script: string; taskId: string }):
    { exited: Promise<ProcessExit>; stop: () => Promise<void>; shown: string } {
    const folder = spec.store.folder;
    // As a person would type it (the runner's own arguments stay out of sight), and why.
    const shown = commandLine([path.basename(spec.interpreter), path.relative(folder.uri.fsPath, spec.script) || spec.script, ...spec.shown])
      + (spec.note ? `   # ${spec.note}` : '');
    const terminal = new ProcessTerminal({ command: spec.interpreter, args: spec.argv, cwd: folder.uri.fsPath, env: spec.env, commandLine: shown });
    this.live.add(terminal);
    const exited = terminal.exited.then((exit) => { this.live.delete(terminal); return exit; });
    const task = new vscode.Task({ type: 'runlens', script: spec.script, runId: spec.taskId }, folder, spec.label, 'RunLens', new vscode.CustomExecution(async () => terminal));
    task.presentationOptions = {
      // Shown, so the person can watch it, but without taking the keyboard from the editor.
      reveal: vscode.TaskRevealKind.Always, focus: false, panel: vscode.TaskPanelKind.Shared, clear: false, echo: false, showReuseMessage: false,
    };
    void vscode.tasks.executeTask(task).then(() => {
      setTimeout(() => {
        if (terminal.spawned) return;
        this.log.warn(`${spec.label}: the task's terminal did not open within ${TERMINAL_DEADLINE_MS / 1000} s; running it without one`);
        terminal.open();
      }, TERMINAL_DEADLINE_MS);
    }, (e: unknown) => {
      this.log.warn(`${spec.label}: VS Code would not run it as a task (${(e as Error).message}); running it without a terminal`);
      terminal.open();
    });
    return { exited, stop: () => terminal.stop(), shown };
  }

  private environment(folder: vscode.WorkspaceFolder, experiment: string | undefined): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    // What the extension host inherited from a terminal of its own must not leak into the run; the
    // person's tracking server does reach it (its runs are uploaded there: docs/run-log.md, "Uploads").
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('RUNLENS_') || KEPT_FROM_HOST.has(k)) env[k] = v;
    env.PYTHONPATH = [this.pythonClientDir, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter);
    env.PYTHONUNBUFFERED = '1'; // on a pipe Python would hold output back in blocks
    env.PYTHONIOENCODING ??= 'utf-8';
    env.RUNLENS_DIR = path.join(folder.uri.fsPath, '.runlens');
    if (experiment) env.RUNLENS_EXPERIMENT = experiment;
    if (!setting('pythonClient.keepScriptCopies')) env.RUNLENS_KEEP_CODE = '0';
    return env;
  }

  /** The window is closing: its runs end with it, as a terminal's processes would (recorded as killed). */
  dispose(): void {
    for (const t of this.live) void t.stop();
    this.live.clear();
  }
}
