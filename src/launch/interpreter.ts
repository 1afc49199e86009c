import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PythonExtension } from '@vscode/python-extension';
import { setting, updateSetting } from '../settings';

/** Activating the Python extension can take seconds on a cold start; longer than this, RunLens moves on. */
const PYTHON_EXTENSION_TIMEOUT_MS = 15_000;

/**
 * The Python that runs the user's experiments: the Python extension's active environment for the
 * folder when that extension is installed, else `runlens.pythonPath`, else `python3` (or
 * `python`) on PATH. Undefined when there is none; `chooseInterpreter` then lets the person pick one.
 */
export async function findInterpreter(folder: vscode.WorkspaceFolder, log: vscode.LogOutputChannel): Promise<string | undefined> {
  const fromExtension = await pythonExtensionInterpreter(folder, log);
  if (fromExtension) return fromExtension;
  const configured = setting('pythonPath', folder.uri).trim();
  if (configured) {
    const resolved = expand(configured, folder);
    if (isExecutable(resolved)) return resolved;
    log.warn(`runlens.pythonPath is ${configured}, which is not an executable file; looking on PATH instead`);
  }
  return onPath(process.platform === 'win32' ? ['python.exe', 'py.exe', 'python3.exe'] : ['python3', 'python']);
}

async function pythonExtensionInterpreter(folder: vscode.WorkspaceFolder, log: vscode.LogOutputChannel): Promise<string | undefined> {
  // Checked first so that RunLens never activates, or waits on, an extension that is not there.
  if (!vscode.extensions.getExtension('ms-python.python')) return undefined;
  try {
    const lookup = (async () => {
      const api = await PythonExtension.api();
      const active = api.environments.getActiveEnvironmentPath(folder.uri);
      const env = await api.environments.resolveEnvironment(active);
      return env?.executable.uri?.fsPath;
    })();
    const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), PYTHON_EXTENSION_TIMEOUT_MS));
    const found = await Promise.race([lookup, timeout]);
    if (found) log.info(`Python from the Python extension's active environment: ${found}`);
    return found;
  } catch (e) {
    log.warn(`The Python extension gave no interpreter (${(e as Error).message}); trying runlens.pythonPath and PATH`);
    return undefined;
  }
}

/** Asks for an interpreter when none was found, and remembers the choice in the user's settings. */
export async function chooseInterpreter(folder: vscode.WorkspaceFolder): Promise<string | undefined> {
  const choose = 'Choose Interpreter…';
  const withExtension = vscode.extensions.getExtension('ms-python.python') ? 'Select in the Python Extension' : undefined;
  const answer = await vscode.window.showErrorMessage(
    'RunLens found no Python interpreter to run the experiment: no active environment in the Python extension, no runlens.pythonPath setting, and no python3 on PATH.',
    ...[choose, withExtension].filter((x): x is string => !!x));
  if (answer === withExtension && withExtension) {
    await vscode.commands.executeCommand('python.setInterpreter');
    return undefined;
  }
  if (answer !== choose) return undefined;
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Use This Python', title: 'The Python interpreter RunLens runs experiments with', defaultUri: folder.uri });
  const file = picked?.[0]?.fsPath;
  if (!file) return undefined;
  await updateSetting('pythonPath', file, vscode.ConfigurationTarget.Global);
  return file;
}

function expand(p: string, folder: vscode.WorkspaceFolder): string {
  const replaced = p.replace(/\$\{workspaceFolder\}/g, folder.uri.fsPath).replace(/^~(?=$|[\\/])/, os.homedir());
  return path.isAbsolute(replaced) ? replaced : path.join(folder.uri.fsPath, replaced);
}

function onPath(names: string[]): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = path.join(dir, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return false;
    if (process.platform !== 'win32') fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
