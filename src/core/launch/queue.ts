/**
 * Runs `work` on the items in order, at most `concurrency` at a time, starting nothing new once
 * `stopped()` says so (or once an item threw). Resolves when every started item has settled, with
 * the items never started; an item's error is rethrown only then, so no lane is left running unseen.
 */
export async function runQueue<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>, stopped: () => boolean): Promise<T[]> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lanes = Array.from({ length: Math.max(1, Math.min(Math.floor(concurrency) || 1, items.length)) }, async () => {
    while (next < items.length && !stopped() && !failure) {
      const item = items[next++];
      try { await work(item); } catch (error) { failure ??= { error }; }
    }
  });
  await Promise.all(lanes);
  if (failure) throw failure.error;
  return items.slice(next);
}
