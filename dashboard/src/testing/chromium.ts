/**
 * Debian's Chromium, headless, as the end-to-end tests and the dashboard benchmark drive it. A subpath of its own
 * (`@hipmon/dashboard/testing`): playwright-core is a dev dependency, and the server must not load it.
 */
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

/** Where Debian's `chromium` package installs the browser (.ci/run installs it). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

export function launchHeadlessChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
    ],
  });
}
