// Where the model and the training corpus live, relative to the package root (the same from src/ and dist/).
import path from 'node:path';
import { packageRoot } from '../../../core/paths.js';

export function defaultModelPath(): string {
  return path.join(packageRoot(), 'models', 'checkworthiness.json');
}

/** The CT19 Task 1 training split, read in place from the corpus beside the repository (never copied in). */
export function defaultTrainingCsvPath(): string {
  return path.resolve(packageRoot(), '..', 'shared', 'corpus', 'checkworthiness', 'CT19-T1-Training.csv');
}
