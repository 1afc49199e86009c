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
    const buffers = new Set<ArrayBuffer>();
    for (const run of read.runs) {
      for (const history of Object.values(run.metrics)) buffers.add((history as unknown as { data: Float64Array }).data.buffer as ArrayBuffer);
    }
    parentPort?.postMessage(read, [...buffers]);
  });
});
