/**
 * Real Chromium (Debian's /usr/bin/chromium) driven by playwright-core, for the console's browser
 * tests. Each page records its console errors and CSP violations: a test can assert there were none.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM } from '../../src/reports/render/pdf';
import { projectDir } from './cli';

/** Where the browser tests write their screenshots (git-ignored). */
export const ARTIFACTS = path.join(projectDir, 'test-artifacts', 'console');

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
}

export interface WatchedPage {
  page: Page;
  /** Console errors and CSP violations seen so far. */
  errors: string[];
}

export async function openPage(context: BrowserContext): Promise<WatchedPage> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  return { page, errors };
}

/** A fresh context (its own cookies) at 1280×800, signed in with `token` on the console at `url`. */
export async function signedIn(browser: Browser, url: string, token: string): Promise<WatchedPage & { context: BrowserContext }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const watched = await openPage(context);
  await watched.page.goto(`${url}/console/`);
  await watched.page.getByLabel('API token').fill(token);
  await watched.page.getByRole('button', { name: 'Sign in' }).click();
  await watched.page.getByTestId('who').waitFor();
  return { ...watched, context };
}
