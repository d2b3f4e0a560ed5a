// The structure drawn from the imports: nothing shipped in dist/src imports a devDependency, the front end reaches
// neither the store nor the outbox, the Discord wire layer depends on nothing above it, and src/ has no import cycle.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const SPEC =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;

function walk(dir: string, ext: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p, ext) : p.endsWith(ext) ? [p] : [];
  });
}

function specifiers(text: string): string[] {
  return [...text.matchAll(SPEC)].map((m) => m[1] ?? m[2] ?? m[3] ?? '').filter((s) => s !== '');
}

/** `import type` / `export type` are erased at compile time (verbatimModuleSyntax): no runtime edge. */
const TYPE_ONLY = /(?:^|[\s;])(?:import|export)\s+type\s[^'"]*?from\s*['"]([^'"]+)['"]/gm;
function runtimeSpecifiers(text: string): string[] {
  const typeOnly = [...text.matchAll(TYPE_ONLY)].length;
  const all = specifiers(text);
  const erased = new Set([...text.matchAll(TYPE_ONLY)].map((m) => m[1]));
  // A module imported both as type and value keeps its value edge.
  return typeOnly === 0 ? all : all.filter((s) => !erased.has(s) || countValueImports(text, s) > 0);
}
function countValueImports(text: string, spec: string): number {
  return (
    specifiers(text).filter((s) => s === spec).length -
    [...text.matchAll(TYPE_ONLY)].filter((m) => m[1] === spec).length
  );
}

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`), or null for relative and `node:`. */
function packageOf(spec: string): string | null {
  if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:')) return null;
  const parts = spec.split('/');
  return spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? null);
}

/** Every non-test source file under src/ with the src/ files it imports (resolved from the .js specifier). */
function sourceGraph(runtimeOnly = false): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of walk(join(root, 'src'), '.ts').filter((f) => !f.endsWith('.test.ts'))) {
    const text = readFileSync(file, 'utf8');
    const deps = (runtimeOnly ? runtimeSpecifiers(text) : specifiers(text))
      .filter((s) => s.startsWith('.'))
      .map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')))
      .filter((p) => p.startsWith(join(root, 'src')));
    graph.set(
      relative(root, file),
      deps.map((d) => relative(root, d)),
    );
  }
  return graph;
}

describe('imports', () => {
  it('nothing compiled under dist/src imports a devDependency', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      devDependencies?: Record<string, string>;
    };
    const dev = new Set(Object.keys(pkg.devDependencies ?? {}));
    // Only files that still have a source: a stale .js from an older build is not shipped by this tree.
    const shipped = walk(join(root, 'dist', 'src'), '.js').filter(
      (f) =>
        !f.endsWith('.test.js') &&
        existsSync(join(root, relative(join(root, 'dist'), f)).replace(/\.js$/, '.ts')),
    );
    expect(shipped.length).toBeGreaterThan(50);
    const offenders = shipped.flatMap((f) =>
      specifiers(readFileSync(f, 'utf8'))
        .map(packageOf)
        .filter((p): p is string => p !== null && dev.has(p))
        .map((p) => `${relative(root, f)} → ${p}`),
    );
    expect(offenders).toEqual([]);
  });

  it('the devDependency check sees a real import (it can fail)', () => {
    expect(specifiers(`import fc from 'fast-check';\nexport { x } from "./y.js";`).map(packageOf)).toEqual([
      'fast-check',
      null,
    ]);
  });

  it('src/discord imports neither the store nor the outbox; src/discord-api imports nothing above core', () => {
    const graph = sourceGraph();
    const bad: string[] = [];
    for (const [file, deps] of graph) {
      for (const d of deps) {
        if (file.startsWith('src/discord/') && (d.startsWith('src/store/') || d === 'src/delivery/outbox.ts'))
          bad.push(`${file} → ${d}`);
        if (
          file.startsWith('src/discord-api/') &&
          !d.startsWith('src/discord-api/') &&
          !d.startsWith('src/core/')
        )
          bad.push(`${file} → ${d}`);
        if (file.startsWith('src/workflow/') && d.startsWith('src/discord/')) bad.push(`${file} → ${d}`);
        if (
          file.startsWith('src/delivery/') &&
          (d.startsWith('src/discord/') || d.startsWith('src/workflow/engine'))
        )
          bad.push(`${file} → ${d}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('src/ has no import cycle at run time', () => {
    const graph = sourceGraph(true);
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (node: string, path: string[]): void => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'open') {
        cycles.push([...path.slice(path.indexOf(node)), node].join(' → '));
        return;
      }
      state.set(node, 'open');
      for (const d of graph.get(node) ?? []) visit(d, [...path, node]);
      state.set(node, 'done');
    };
    for (const node of graph.keys()) visit(node, []);
    expect(cycles).toEqual([]);
  });
});
