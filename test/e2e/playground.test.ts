// The browser playground (`autointel demo --web`): Debian's chromium, driven by playwright-core, types /autointel into
// the page, sees the workflow id, the report with its chart, then /retrieve_results — what a member
// would see — and saves screenshots under test-output/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommand, startPlayground, type Playground } from '../../src/cli/playground.js';
import { chromiumAvailable, launchChromium } from '../support/browser.js';
import { repoRoot } from '../support/corpus.js';

const outDir = join(repoRoot, 'test-output', 'playground');
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

describe('parseCommand', () => {
  it('reads a slash command and its options; anything else gets a reason', () => {
    expect(parseCommand('/autointel url:https://x.example/a?b=1 depth:deep')).toEqual({
      ok: true,
      name: 'autointel',
      options: [
        { name: 'url', type: 3, value: 'https://x.example/a?b=1' },
        { name: 'depth', type: 3, value: 'deep' },
      ],
    });
    expect(parseCommand('hello')).toMatchObject({ ok: false });
    expect(parseCommand('/ban everyone')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/Unknown command/),
    });
  });
});

const browserReady = chromiumAvailable('playground in a browser');

describe.skipIf(!browserReady)('playground in chromium', () => {
  let pg: Playground;
  beforeAll(async () => {
    pg = await startPlayground();
  });
  afterAll(async () => {
    await pg?.close();
  });

  it('a member types /autointel, sees the workflow id, the report with its chart, and retrieves it privately', async () => {
    mkdirSync(outDir, { recursive: true });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      await page.goto(pg.url);
      const input = page.locator('#command');
      await expect.poll(() => input.inputValue()).toContain('/autointel url:');
      await input.press('Enter');
      // The defer shows as "is thinking…" until the bot fills it with the workflow id.
      const started = page.locator('.msg .content', { hasText: UUID });
      await started.first().waitFor({ timeout: 30_000 });
      const workflowId = UUID.exec((await started.first().textContent()) ?? '')?.[0] ?? '';
      expect(workflowId).not.toBe('');
      await page
        .locator('.embed .footer', { hasText: `workflow ${workflowId} • part 1/` })
        .first()
        .waitFor({ timeout: 60_000 });
      const chart = page.locator('.embed img').first();
      await chart.waitFor();
      await expect
        .poll(() => chart.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth))
        .toBe(720);
      await page.screenshot({ path: join(outDir, 'report.png'), fullPage: true });

      await input.fill(`/retrieve_results workflow_id:${workflowId}`);
      await input.press('Enter');
      await page
        .locator('.msg', { hasText: 'only you can see this' })
        .locator('.embed')
        .first()
        .waitFor({ timeout: 30_000 });
      await page.screenshot({ path: join(outDir, 'retrieve.png'), fullPage: true });

      await input.fill('/nonsense');
      await input.press('Enter');
      await expect.poll(() => page.locator('#error').textContent()).toMatch(/Unknown command/);
    } finally {
      await browser.close();
    }
  });
});
