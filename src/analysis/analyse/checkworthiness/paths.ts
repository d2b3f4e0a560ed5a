// Where the model and the training corpus live, relative to the package root (the same from src/ and dist/).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PermanentError } from '../../../core/errors.js';

/** The nearest directory above this module that holds package.json. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new PermanentError('checkworthiness.no_package_root', 'package.json not found');
    dir = parent;
  }
}

export function defaultModelPath(): string {
  return path.join(packageRoot(), 'models', 'checkworthiness.json');
}

/** The CT19 Task 1 training split, read in place from the corpus beside the repository (never copied in). */
export function defaultTrainingCsvPath(): string {
  return path.resolve(packageRoot(), '..', 'shared', 'corpus', 'checkworthiness', 'CT19-T1-Training.csv');
}
