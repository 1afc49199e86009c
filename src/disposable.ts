import type * as vscode from 'vscode';

type Child = { dispose(): unknown };

/**
 * A long-lived object that owns what it creates: listeners, registrations, child objects.
 * Disposing it disposes them, newest first, once; anything tracked after that is disposed at once.
 * `activate` builds one tree of these and hands VS Code its root, so nothing lives without an
 * owner (the model: vscode-dvc's `Disposable` base class).
 */
export class Disposable implements vscode.Disposable {
  private readonly children: Child[] = [];
  private disposed = false;

  /** Takes ownership of `child` and returns it. */
  track<T extends Child>(child: T): T {
    if (this.disposed) void child.dispose();
    else this.children.push(child);
    return child;
  }

  /** Gives up ownership (a child disposed early by its owner, say a store that stopped). */
  untrack(child: Child): void {
    const i = this.children.indexOf(child);
    if (i >= 0) this.children.splice(i, 1);
  }

  get isDisposed(): boolean { return this.disposed; }

  /** How many children it owns now. */
  get size(): number { return this.children.length; }

  /** Disposes the children, newest first; waits for those whose dispose is asynchronous. */
  dispose(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    this.disposed = true;
    const pending: Promise<unknown>[] = [];
    for (const child of this.children.splice(0).reverse()) {
      try {
        const r = child.dispose();
        if (r instanceof Promise) pending.push(r.catch(() => undefined));
      } catch {
        // One child failing to let go must not keep the others alive.
      }
    }
    return Promise.all(pending).then(() => undefined);
  }
}
