/**
 * The second thread of a large first read of an `mlruns/` folder (fileStore.ts,
 * setMlflowReaderWorker): started as the read starts, it waits for the run folders it is to read,
 * reads them as the first thread reads its own, and sends what it found back, each history's
 * points moved (their blocks transferred, not copied).
 */
import { parentPort } from 'node:worker_threads';
import { readRunDirs, type RunDir } from './fileStore';

parentPort?.once('message', ({ root, runDirs }: { root: string; runDirs: RunDir[] }) => {
  void readRunDirs(root, runDirs).then((read) => {
    // Each history as its columns (fileStore.ts makes them histories again), the blocks moved.
    const buffers = new Set<ArrayBuffer>();
    const runs = read.runs.map((run) => ({
      ...run,
      metrics: Object.fromEntries(Object.entries(run.metrics).map(([key, history]) => {
        const columns = history.columns();
        buffers.add(columns.data.buffer as ArrayBuffer);
        return [key, columns];
      })),
    }));
    parentPort?.postMessage({ ...read, runs }, [...buffers]);
  });
});
