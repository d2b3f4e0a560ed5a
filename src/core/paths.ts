// Where the package lives on disk: the same answer from src/ (tests) and from dist/src/ (compiled).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PermanentError } from './errors.js';

/** The nearest directory above this module that holds package.json. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new PermanentError('core.no_package_root', 'package.json not found');
    dir = parent;
  }
}
