import type * as vscode from 'vscode';

/** Where loops are read: Python files, notebook cells, and untitled Python editors. */
export const PYTHON_DOCUMENTS: vscode.DocumentSelector = [{ language: 'python', scheme: 'file' }, { language: 'python', scheme: 'vscode-notebook-cell' }, { language: 'python', scheme: 'untitled' }];
