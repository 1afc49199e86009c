// Types of mlflowArtifacts.mjs, for the TypeScript tests that use it.
import type { SqlJsStatic } from 'sql.js';

export const RUNS_WITH_ARTIFACTS: string[];
export const ARTIFACT_PATHS: string[];
export function artifactFiles(fixture: string, i: number): Record<string, Buffer>;
export function mlflowStoresWithArtifacts(fixture: string, into: string, SQL: SqlJsStatic, only?: string):
  { file: Record<string, { runId: string; dir: string }>; sqlite: Record<string, { runId: string; dir: string }> };
export function confusionMatrixPng(i: number): Buffer;
