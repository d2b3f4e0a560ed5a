// Where a worker-thread script lives: beside the module that starts it, compiled.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * `file` beside the module at `moduleUrl`. Compiled code finds it beside itself; source run by the test runner (`src/**.ts`) maps to
 * its compiled twin under `dist/src/**.js`, which the test setup builds first.
 */
export function compiledTwinUrl(file: string, moduleUrl: string): URL {
  const here = fileURLToPath(moduleUrl);
  if (!here.endsWith('.ts')) return new URL(`./${file}`, moduleUrl);
  const marker = `${path.sep}src${path.sep}`;
  const at = here.lastIndexOf(marker);
  if (at < 0) return new URL(`./${file}`, moduleUrl);
  const root = here.slice(0, at);
  const relDir = path.dirname(here.slice(at + 1));
  return pathToFileURL(path.join(root, 'dist', relDir, file));
}
