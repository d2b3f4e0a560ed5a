// The report page and the chart, end to end: a deep analysis delivered through the emulator carries the sentiment
// chart as an embed image and a signed link; the link opens the page on the bot's own HTTP server (strict CSP), a
// tampered link is a 404, and Debian's chromium (driven by playwright-core) renders it with no serious or critical
// accessibility violation (axe-core), saving screenshots under test-output/.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiscordEmulator, type EmulatedMessage } from '@autointel/discord-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { SystemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { startApp, type RunningApp } from '../../src/main.js';
import { ct19Articles, opt, servePages, until, type PageServer } from '../support/e2e-pages.js';
import { chromiumAvailable, launchChromium } from '../support/browser.js';
import { repoRoot } from '../support/corpus.js';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const PUBLIC = 'https://reports.example';
const outDir = join(repoRoot, 'test-output', 'report-page');

const dataDir = mkdtempSync(join(tmpdir(), 'autointel-e2e-page-'));
let emu: DiscordEmulator;
let app: RunningApp | null = null;
let pages: PageServer;
let articleUrl = '';
let articleTitle = '';
const world = { guildId: '', channelId: '', requester: '' };

beforeAll(async () => {
  emu = await DiscordEmulator.start({ rateLimits: { enabled: false } });
  const [article] = ct19Articles(1, 30);
  if (article === undefined) throw new Error('article missing');
  pages = await servePages([article]);
  articleUrl = `${pages.base}${article.path}`;
  articleTitle = article.title;
  world.guildId = emu.createGuild({ name: 'Pages' }).id;
  world.channelId = emu.createChannel({ guildId: world.guildId, name: 'analysis' }).id;
  world.requester = emu.createUser({ username: 'reader' }).id;
  emu.addMember({ guildId: world.guildId, userId: world.requester });
  const config = loadConfig({
    DISCORD_TOKEN: emu.application.botToken,
    DISCORD_APPLICATION_ID: emu.application.id,
    DISCORD_PUBLIC_KEY: emu.application.publicKeyHex,
    DISCORD_API_BASE: emu.apiBase,
    AUTOINTEL_MODE: 'http',
    AUTOINTEL_PUBLIC_URL: PUBLIC,
    PORT: '0',
    AUTOINTEL_DATA_DIR: dataDir,
    AUTOINTEL_ALLOW_PRIVATE_NETWORKS: 'true',
    LOG_LEVEL: 'warn',
  });
  const logger = createLogger({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
  app = await startApp(config, { role: 'bot', worker: true, clock: new SystemClock(), logger, pacing: {} });
  if (app.httpUrl === null) throw new Error('http mode started without an HTTP server');
  await emu.setInteractionsEndpoint(`${app.httpUrl}/interactions`);
});

afterAll(async () => {
  await app?.stop();
  await emu?.close();
  await pages?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The delivered report's first message (the one carrying the attachments). */
async function deliveredReport(): Promise<{ workflowId: string; first: EmulatedMessage }> {
  const r = await emu.fireSlashCommand({
    guildId: world.guildId,
    channelId: world.channelId,
    userId: world.requester,
    name: 'autointel',
    options: [opt('url', articleUrl), opt('depth', 'deep')],
  });
  const original = await until('the @original naming the workflow', () =>
    emu.messages(world.channelId).find((m) => m.interactionId === r.interactionId && UUID.test(m.content)),
  );
  const workflowId = UUID.exec(original.content)?.[0] ?? '';
  await until(
    'delivery',
    async () => ((await app?.engine.get(workflowId))?.deliveryState === 'delivered' ? true : null),
    60_000,
  );
  const first = emu
    .messages(world.channelId)
    .find(
      (m) =>
        m.attachments.some((a) => a.filename.endsWith('.md')) &&
        JSON.stringify(m.embeds).includes(workflowId),
    );
  if (first === undefined) throw new Error('no delivered report message with the Markdown file');
  return { workflowId, first };
}

let link = '';

describe('report page and chart, end to end', () => {
  it('delivers the chart as the embed image and a signed link to the full report', async () => {
    const { workflowId, first } = await deliveredReport();
    const png = first.attachments.find((a) => a.filename === 'sentiment.png');
    expect(png, 'the chart attachment').toBeDefined();
    expect(png!.content.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(png!.size).toBeLessThan(10 * 1024 * 1024);
    const chartEmbed = first.embeds.find(
      (e) => (e['image'] as { url?: string } | undefined)?.url === 'attachment://sentiment.png',
    );
    expect(chartEmbed, 'an embed showing the chart').toBeDefined();
    link = String(chartEmbed!['url']);
    expect(link).toMatch(new RegExp(`^${PUBLIC.replace(/\./g, '\\.')}/r/${workflowId}\\?e=\\d+&s=[\\w-]+$`));
  });

  it('serves the linked page with a strict CSP; a tampered link is a 404', async () => {
    const path = link.slice(PUBLIC.length);
    const res = await fetch(`${app!.httpUrl}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain(articleTitle.slice(0, 20));
    expect(html).toContain('<mark class="claim"');
    expect(
      (
        await fetch(
          `${app!.httpUrl}${path.replace(/s=(.)/, (_m, c: string) => `s=${c === 'Z' ? 'Y' : 'Z'}`)}`,
        )
      ).status,
    ).toBe(404);
    expect((await fetch(`${app!.httpUrl}/r/${path.split('/')[2]?.split('?')[0] ?? ''}`)).status).toBe(404);
  });

  const browserReady = chromiumAvailable('report page in a browser');
  it.skipIf(!browserReady)(
    'renders in chromium, light and dark, with no serious or critical axe violation',
    async () => {
      const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
      mkdirSync(outDir, { recursive: true });
      const browser = await launchChromium();
      try {
        for (const scheme of ['light', 'dark'] as const) {
          // bypassCSP only lets the test inject axe; the page itself runs no script.
          const context = await browser.newContext({ colorScheme: scheme, bypassCSP: true });
          const page = await context.newPage();
          const blocked: string[] = [];
          page.on('request', (req) => {
            if (!req.url().startsWith(app!.httpUrl!)) blocked.push(req.url());
          });
          await page.goto(`${app!.httpUrl}${link.slice(PUBLIC.length)}`);
          await page.screenshot({ path: join(outDir, `report-${scheme}.png`), fullPage: true });
          await page.addScriptTag({ content: axeSource });
          const violations = (await page.evaluate(async () => {
            const axe = (
              globalThis as unknown as {
                axe: { run(): Promise<{ violations: { id: string; impact: string | null }[] }> };
              }
            ).axe;
            return (await axe.run()).violations;
          })) as { id: string; impact: string | null }[];
          const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
          expect(serious, `${scheme}: ${JSON.stringify(serious)}`).toEqual([]);
          expect(blocked, 'the page requested nothing outside the bot').toEqual([]);
          // Keyboard: the skip link is the first stop and leads to the report.
          await page.keyboard.press('Tab');
          const focused = await page.evaluate(
            () =>
              (
                globalThis as unknown as {
                  document: { activeElement: { textContent: string | null } | null };
                }
              ).document.activeElement?.textContent,
          );
          expect(focused).toBe('Skip to the report');
          await context.close();
        }
      } finally {
        await browser.close();
      }
    },
  );
});
