/** The MLflow stores in a workspace folder (src/core/sources/detect.ts finds every kind of source). */
import { detectSources, type DetectedSource } from '../sources/detect';

export type DetectedStore = DetectedSource & { kind: 'mlflow-file' | 'mlflow-db' };

/** The MLflow stores in `folder` (itself included), sorted by path. */
export async function detectMlflowStores(folder: string): Promise<DetectedStore[]> {
  return (await detectSources(folder)).filter((d): d is DetectedStore => d.kind === 'mlflow-file' || d.kind === 'mlflow-db');
}
