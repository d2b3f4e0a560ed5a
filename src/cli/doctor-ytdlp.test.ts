import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderChecks, ytDlpCheck, ytDlpReleaseDate } from './doctor.js';

const dir = mkdtempSync(join(tmpdir(), 'autointel-doctor-ytdlp-'));
function fakeYtDlp(version: string): string {
  const path = join(dir, `yt-dlp-${version}`);
  writeFileSync(path, `#!/bin/sh\necho ${version}\n`);
  chmodSync(path, 0o755);
  return path;
}
const NOW = Date.UTC(2026, 11, 2);

describe('doctor: yt-dlp version', () => {
  it('reads the release date of stable and nightly versions', () => {
    expect(ytDlpReleaseDate('2023.03.04')).toBe(Date.UTC(2023, 2, 4));
    expect(ytDlpReleaseDate('2025.01.15.232727')).toBe(Date.UTC(2025, 0, 15));
    expect(ytDlpReleaseDate('unknown')).toBeNull();
  });

  it('passes a yt-dlp released within 90 days, printing its version and age', async () => {
    const c = await ytDlpCheck(fakeYtDlp('2026.11.20'), 5000, NOW);
    expect(c.status).toBe('ok');
    expect(c.detail).toMatch(/2026\.11\.20 \(12 days old\)$/);
  });

  it('warns about an older yt-dlp with the exact command that gets a current one', async () => {
    const path = fakeYtDlp('2023.03.04');
    const c = await ytDlpCheck(path, 5000, NOW);
    expect(c.status).toBe('warn');
    expect(c.detail).toContain('2023.03.04 is 1369 days old (more than 90)');
    expect(c.fix).toContain(`\`${path} -U\``);
    expect(c.fix).toContain('pipx install yt-dlp');
    expect(renderChecks([c])).toContain('pipx install yt-dlp');
  });

  it('gives a distribution-packaged yt-dlp the pipx route and YTDLP_PATH', async () => {
    const c = await ytDlpCheck('/usr/bin/yt-dlp-that-is-missing', 5000, NOW);
    expect(c.status).toBe('warn');
    expect(c.fix).toContain('YTDLP_PATH');
  });
});
