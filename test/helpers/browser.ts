/** Debian's headless Chromium, driven by playwright-core, for the tests of the status page. */
import { chromium, type Browser } from 'playwright-core';
import { requireProgram } from './tools.js';

/** Launches headless Chromium with what a test needs and nothing that reaches the network by itself. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: requireProgram('chromium', 'chromium'),
    headless: true,
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
