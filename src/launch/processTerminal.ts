import { spawn, type ChildProcess } from 'node:child_process';
import * as vscode from 'vscode';
import { signalTree } from '../core/launch/processTree';

export interface ProcessSpec {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Shown before the output, as a person would type it. */
  commandLine: string;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last part of what it printed on stderr, for the error of a run that did not log its own. */
  stderrTail: string;
  /** It could not be started at all (the interpreter vanished, say). */
  spawnError?: string;
}

const STDERR_TAIL = 64 * 1024;
const OUTPUT_DRAIN_MS = 2000;
/** How long a process gets to end its runs after SIGTERM before SIGKILL. */
export const STOP_GRACE_MS = 5000;

/**
 * A launched process shown in a task's terminal. RunLens spawns the process itself (a
 * CustomExecution task) rather than through a shell: it then knows the exact pid, exit code and
 * signal, keeps the tail of stderr for the record, and can end the whole process tree. The
 * process gets pipes, not a TTY: output is unbuffered (PYTHONUNBUFFERED), Ctrl+C is forwarded
 * as SIGINT to the process group, typed lines go to stdin.
 */
export class ProcessTerminal implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  private child: ChildProcess | undefined;
  private stderr = '';
  private stopping: Promise<void> | undefined;
  private resolveExit!: (e: ProcessExit) => void;
  /** Settles once the process has exited (or could not start). */
  readonly exited = new Promise<ProcessExit>((resolve) => { this.resolveExit = resolve; });
  private resolveStarted!: (pid: number | undefined) => void;
  readonly started = new Promise<number | undefined>((resolve) => { this.resolveStarted = resolve; });
  private done = false;

  constructor(private readonly spec: ProcessSpec) {}

  open(): void {
    if (this.child || this.done) return;
    this.write(`\x1b[2m$ ${this.spec.commandLine}\x1b[0m\n`);
    let child: ChildProcess;
    try {
      child = spawn(this.spec.command, this.spec.args, {
        cwd: this.spec.cwd, env: this.spec.env, stdio: ['pipe', 'pipe', 'pipe'],
        // Its own process group on POSIX, so a stop reaches everything it started; on Windows
        // `detached` would open a console window, and taskkill /T finds the tree anyway.
        detached: process.platform !== 'win32', windowsHide: true,
      });
    } catch (e) {
      this.finish({ code: null, signal: null, stderrTail: '', spawnError: (e as Error).message });
      return;
    }
    this.child = child;
    child.stdout?.on('data', (d: Buffer) => this.write(d.toString('utf8')));
    child.stderr?.on('data', (d: Buffer) => {
      const text = d.toString('utf8');
      this.stderr = (this.stderr + text).slice(-STDERR_TAIL);
      this.write(text);
    });
    child.stdin?.on('error', () => { /* it closed its stdin: typed input has nowhere to go */ });
    child.once('spawn', () => this.resolveStarted(child.pid));
    child.once('error', (e) => this.finish({ code: null, signal: null, stderrTail: this.stderr, spawnError: e.message }));
    // 'close' comes once every byte it printed has been read; but a child it left running (a
    // server, say) can hold the pipes open long after it exited, so 'exit' sets a deadline.
    child.once('exit', (code, signal) => {
      setTimeout(() => this.finish({ code, signal, stderrTail: this.stderr }), OUTPUT_DRAIN_MS);
    });
    child.once('close', (code, signal) => this.finish({ code, signal, stderrTail: this.stderr }));
  }

  private finish(exit: ProcessExit): void {
    if (this.done) return;
    this.done = true;
    this.resolveStarted(undefined);
    if (exit.spawnError) this.write(`\x1b[31mRunLens could not start ${this.spec.command}: ${exit.spawnError}\x1b[0m\n`);
    else this.write(`\x1b[2m${exit.signal ? `ended by ${exit.signal}` : `exited with code ${exit.code}`}\x1b[0m\n`);
    this.resolveExit(exit);
    this.closeEmitter.fire(exit.code ?? 1);
  }

  handleInput(data: string): void {
    const child = this.child;
    if (!child || this.done) return;
    if (data === '\x03') {
      this.signal('SIGINT');
      return;
    }
    const text = data.replace(/\r/g, '\n');
    this.write(text);
    child.stdin?.write(text);
  }

  /** Whether the process was spawned (by the terminal opening, or by `open()` called directly). */
  get spawned(): boolean {
    return !!this.child || this.done;
  }

  /** The terminal was closed by the person: the run is stopped, as Cancel would. */
  close(): void {
    void this.stop();
  }

  /** SIGTERM to the whole tree (the Python client records its runs as killed), SIGKILL after the grace period. */
  stop(graceMs = STOP_GRACE_MS): Promise<void> {
    if (this.stopping) return this.stopping;
    if (!this.child && !this.done) {
      // Stopped before its terminal opened: it never starts, and ends as if killed.
      this.finish({ code: null, signal: 'SIGTERM', stderrTail: '' });
    }
    const pid = this.child?.pid;
    if (!pid || this.done) return Promise.resolve();
    this.stopping = (async () => {
      const known = signalTree(pid, 'SIGTERM');
      const timer = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), graceMs));
      if (await Promise.race([this.exited, timer]) === 'late') signalTree(pid, 'SIGKILL', known);
      await this.exited;
    })();
    return this.stopping;
  }

  private signal(sig: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (!pid) return;
    try { process.kill(process.platform === 'win32' ? pid : -pid, sig); } catch { /* gone */ }
  }

  private write(text: string): void {
    // The terminal wants CRLF; processes on pipes write LF.
    this.writeEmitter.fire(text.replace(/\r?\n/g, '\r\n'));
  }
}
