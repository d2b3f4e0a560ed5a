// Debian's chromium for browser tests, driven by playwright-core (no browser download): where it is, whether a suite
// can run (skip with a message, or fail under AUTOINTEL_REQUIRE_SERVICES=1 as CI sets), and the flags it needs here.
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

export const CHROMIUM = process.env['AUTOINTEL_CHROMIUM'] ?? '/usr/bin/chromium';

/** True when chromium is installed; otherwise prints why `suite` is skipped, or throws when services are required. */
export function chromiumAvailable(suite: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  const message = `${suite}: skipped, ${CHROMIUM} is missing (apt-get install chromium, or set AUTOINTEL_CHROMIUM).`;
  if (process.env['AUTOINTEL_REQUIRE_SERVICES'] === '1')
    throw new Error(`AUTOINTEL_REQUIRE_SERVICES=1 but ${message}`);
  console.warn(message);
  return false;
}

/** Headless chromium as root on a machine with no outside network: no sandbox, no background connections. */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
