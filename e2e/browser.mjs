// Shared by the browser tests: the server under test, where screenshots go, and Debian's
// Chromium, launched headless once per test file.
import { before, after } from "node:test";
import { chromium } from "playwright-core";

export const base = process.env.E2E_BASE;
export const out = process.env.E2E_OUT;

/** Launches Chromium before the file's tests and closes it after; `.browser` holds it. */
export function sharedBrowser() {
  const shared = { browser: null };
  before(async () => {
    shared.browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
  });
  after(async () => {
    await shared.browser?.close();
  });
  return shared;
}

/** Signs the desk's editor in on `page`. */
export async function signIn(page) {
  await page.goto(`${base}/admin/login`);
  await page.fill("#email", process.env.E2E_EMAIL);
  await page.fill("#password", process.env.E2E_PASSWORD);
  await page.click("button[type=submit]");
  await page.waitForURL(`${base}/admin`);
}
