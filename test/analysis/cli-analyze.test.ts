// `autointel analyze` in-process: exit codes, formats and the report file.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ReportSchema } from '../../src/analysis/report.js';
import { parseAnalyzeArgs, run } from '../../src/cli/analyze.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'autointel-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function quiet() {
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  return {
    stderr: () => err.mock.calls.map((c) => String(c[0])).join(''),
    stdout: () => out.mock.calls.map((c) => String(c[0])).join(''),
    restore: () => {
      err.mockRestore();
      out.mockRestore();
    },
  };
}

describe('parseAnalyzeArgs', () => {
  it('rejects an unknown depth, naming the choices and the value received', () => {
    expect(parseAnalyzeArgs(['x', '--depth', 'bogus'])).toEqual({
      ok: false,
      message: "--depth must be one of standard, deep, comprehensive, experimental, received 'bogus'",
    });
  });

  it('defaults to standard depth and Markdown', () => {
    expect(parseAnalyzeArgs(['a.txt'])).toMatchObject({
      ok: true,
      value: { depth: 'standard', format: 'md', out: null },
    });
  });
});

describe('autointel analyze', () => {
  it('exits 2 with usage when the arguments are wrong', async () => {
    const io = quiet();
    try {
      expect(await run([])).toBe(2);
      expect(io.stderr()).toContain('Usage: autointel analyze');
    } finally {
      io.restore();
    }
  });

  it('exits 2 when the file does not exist', async () => {
    const io = quiet();
    try {
      expect(await run([path.join(dir, 'nope.txt')])).toBe(2);
      expect(io.stderr()).toContain('acquire.');
    } finally {
      io.restore();
    }
  });

  it('writes a valid JSON report of a local text file and keeps stdout clean', async () => {
    const file = path.join(dir, 'note.txt');
    const out = path.join(dir, 'report.json');
    await writeFile(
      file,
      'The council approved the budget on Monday. Everyone knows the roads are a disaster. ' +
        'The mayor said schools come first and promised repairs next year. Critics said the plan may fail.\n',
    );
    const io = quiet();
    let code: number;
    let stdout: string;
    try {
      code = await run([file, '--depth', 'deep', '--format', 'json', '--out', out]);
      stdout = io.stdout();
    } finally {
      io.restore();
    }
    expect(code).toBe(0);
    expect(stdout).toBe('');
    const report = ReportSchema.parse(JSON.parse(await readFile(out, 'utf8')));
    expect(report.depth).toBe('deep');
    expect(report.sections.rhetoric).toBeDefined();
  });
});
