/**
 * The project's rule for its tests: integration tests run in a real extension host and UI tests
 * drive the real workbench, and no test stands in for any part of the `vscode` module. A test that
 * replaced `vscode.window.showSaveDialog` (say) would pass whatever VS Code's real dialog does.
 * This reads every test source with TypeScript's parser and lists each place that writes to the
 * module: an assignment to a member reached from it (through aliases, destructuring and casts), or
 * `Object.assign`, `Object.defineProperty`, `Reflect.set` and the like on such a member.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { repoRoot } from './support/repo';

const WRITERS = new Set(['Object.assign', 'Object.defineProperty', 'Object.defineProperties', 'Object.setPrototypeOf',
  'Reflect.set', 'Reflect.defineProperty', 'Reflect.deleteProperty', 'Reflect.setPrototypeOf']);

/** Casts, parentheses and `!` taken off: the expression they wrap. */
function bare(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isTypeAssertionExpression(e) || ts.isNonNullExpression(e) || ts.isSatisfiesExpression(e)) e = e.expression;
  return e;
}

const isVscodeModule = (e: ts.Expression | undefined): boolean => {
  if (!e) return false;
  const b = bare(ts.isAwaitExpression(bare(e)) ? (bare(e) as ts.AwaitExpression).expression : e);
  return ts.isCallExpression(b) && (b.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(b.expression) && b.expression.text === 'require'))
    && b.arguments.length === 1 && ts.isStringLiteral(b.arguments[0]) && b.arguments[0].text === 'vscode';
};

/** Where `text` (a test source) writes to the `vscode` module: `file:line: the code`. */
function standIns(file: string, text: string): string[] {
  const kind = /\.[cm]?js$/.test(file) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const nodes: ts.Node[] = [];
  const visit = (n: ts.Node) => { nodes.push(n); ts.forEachChild(n, visit); };
  visit(source);

  // The names bound to the module or to a part of it (by name, not by scope: a test has no reason to shadow them).
  const bound = new Set<string>();
  /** Whether `e` is the module or reached from it by member accesses (a call's result is not). */
  const reached = (e: ts.Expression): boolean => {
    const b = bare(e);
    if (ts.isIdentifier(b)) return bound.has(b.text);
    if (ts.isPropertyAccessExpression(b) || ts.isElementAccessExpression(b)) return reached(b.expression);
    return false;
  };
  for (const n of nodes) {
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier) && n.moduleSpecifier.text === 'vscode' && n.importClause) {
      const c = n.importClause;
      if (c.name) bound.add(c.name.text);
      if (c.namedBindings && ts.isNamespaceImport(c.namedBindings)) bound.add(c.namedBindings.name.text);
      if (c.namedBindings && ts.isNamedImports(c.namedBindings)) for (const i of c.namedBindings.elements) bound.add(i.name.text);
    }
    if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference)
      && ts.isStringLiteral(n.moduleReference.expression) && n.moduleReference.expression.text === 'vscode') bound.add(n.name.text);
  }
  // Aliases, until no new one turns up: `const w = vscode.window as …`, `const { window } = vscode`.
  for (let grew = true; grew;) {
    grew = false;
    for (const n of nodes) {
      if (!ts.isVariableDeclaration(n) || !n.initializer || !(isVscodeModule(n.initializer) || reached(n.initializer))) continue;
      const names = ts.isIdentifier(n.name) ? [n.name.text] : boundNames(n.name);
      for (const name of names) if (!bound.has(name)) { bound.add(name); grew = true; }
    }
  }

  const found: ts.Node[] = [];
  const member = (e: ts.Expression) => { const b = bare(e); return (ts.isPropertyAccessExpression(b) || ts.isElementAccessExpression(b)) && reached(b); };
  for (const n of nodes) {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment && member(n.left)) found.push(n);
    else if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken) && member(n.operand)) found.push(n);
    else if (ts.isDeleteExpression(n) && member(n.expression)) found.push(n);
    else if (ts.isCallExpression(n) && WRITERS.has(bare(n.expression).getText(source).replace(/\s+/g, '')) && n.arguments.length && reached(n.arguments[0])) found.push(n);
  }
  return found.map((n) => `${file}:${source.getLineAndCharacterOfPosition(n.getStart(source)).line + 1}: ${n.getText(source).replace(/\s+/g, ' ').slice(0, 120)}`);
}

function boundNames(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((e) => (ts.isBindingElement(e) ? boundNames(e.name) : []));
}

function sourcesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const full = path.join(dir, d.name);
    if (d.isDirectory()) return d.name === 'node_modules' || d.name === 'screenshots' ? [] : sourcesUnder(full);
    return /\.(?:[cm]?ts|[cm]?js)$/.test(d.name) && !d.name.endsWith('.d.ts') && !d.name.endsWith('.d.mts') ? [full] : [];
  });
}

describe('no test stands in for a part of the vscode module', () => {
  it('finds a write to the module however the test reaches it', () => {
    const lines = (text: string) => standIns('t.ts', text).map((s) => Number(s.split(':')[1]));
    assert.deepEqual(lines([
      "import * as vscode from 'vscode';",
      'vscode.window.showSaveDialog = async () => undefined;',
      '(vscode.window as { showQuickPick: unknown }).showQuickPick = f;',
      'const window = vscode.window as unknown as Record<string, unknown>;',
      "window['showInputBox'] = f;",
      'Object.assign(window, { showWarningMessage: f });',
      "Object.defineProperty(vscode.env, 'clipboard', { value: f });",
      "Reflect.set(vscode.workspace, 'fs', f);",
      'const { commands } = vscode;',
      'commands.executeCommand = f;',
      'delete (vscode.window as any).showErrorMessage;',
    ].join('\n')), [2, 3, 5, 6, 7, 8, 10, 11]);
    assert.deepEqual(lines("import { window } from 'vscode';\nwindow.showWarningMessage = f;"), [2]);
    assert.deepEqual(lines("import vscode = require('vscode');\nvscode.window.showInputBox = f;"), [2]);
    assert.deepEqual(standIns('t.js', "const vscode = require('vscode');\nvscode.window.showInputBox = f;").length, 1);
  });

  it('lets a test read and call the module, and change what it makes with it', () => {
    assert.deepEqual(standIns('t.ts', [
      "import * as vscode from 'vscode';",
      "void vscode.window.showInformationMessage('hello');",
      'const show = vscode.window.showQuickPick;',
      "const item = new vscode.TreeItem('run');",
      "item.label = 'renamed';",
      "const config = vscode.workspace.getConfiguration('runlens');",
      "config.update = f; // not the module's: an object it returned",
      "process.env.MLFLOW_TRACKING_URI = 'http://x';",
      'const copy = { ...vscode.window };',
      'copy.showQuickPick = f;',
      'Object.assign({}, vscode.window);',
    ].join('\n')), []);
  });

  it('finds none in the tests', () => {
    const root = repoRoot();
    const offenders = sourcesUnder(path.join(root, 'test')).flatMap((f) => standIns(path.relative(root, f), fs.readFileSync(f, 'utf8')));
    assert.deepEqual(offenders, [], 'drive VS Code\'s real prompts in a UI test (test/ui/) instead');
  });
});
