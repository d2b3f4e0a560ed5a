// Where the shared evaluation corpus lives, and the one rule for suites that need it: skip with a message saying what
// is missing, or fail when AUTOINTEL_REQUIRE_CORPUS=1 (set by CI) so a skip can never hide a broken evaluation.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { packageRoot } from '../../src/core/paths.js';

/** The repository root, the same from test/ (vitest) and from dist/test/ (benches importing these helpers). */
export const repoRoot = packageRoot();
export const corpusDir = resolve(repoRoot, '..', 'shared', 'corpus');
/** Vendored small inputs (see test/fixtures/README.md). */
export const fixturesDir = resolve(repoRoot, 'test', 'fixtures');

export const corpusRequired = (): boolean => process.env['AUTOINTEL_REQUIRE_CORPUS'] === '1';

/**
 * True when `parts` (a path under the corpus) exists. Otherwise prints why `suite` is skipped and returns false —
 * or throws under AUTOINTEL_REQUIRE_CORPUS=1. Call it at the top of a test file and pass the result to
 * `describe.skipIf(!…)`.
 */
export function corpusAvailable(suite: string, ...parts: string[]): boolean {
  const wanted = resolve(corpusDir, ...parts);
  if (existsSync(wanted)) return true;
  const message =
    `${suite}: skipped, ${wanted} is missing. These tests evaluate on the shared corpus, which sits beside the ` +
    'repository as ../shared/corpus/ (see its README for what it holds).';
  if (corpusRequired()) throw new Error(`AUTOINTEL_REQUIRE_CORPUS=1 but ${message}`);
  console.warn(message);
  return false;
}
