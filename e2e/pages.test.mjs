// Pages: an editor writes a page under "About us" in the rich editor, publishes it and adds it
// to the footer menu; a reader finds it at its address and in the footer of every page, at
// 1280 and 360 pixels, light and dark; the page is clean for axe-core.
import { test } from "node:test";
import assert from "node:assert/strict";
import AxeBuilder from "@axe-core/playwright";
import { base, out, sharedBrowser, signIn } from "./browser.mjs";

const chrome = sharedBrowser();

test("an editor publishes a page and links it from the footer menu", async () => {
  const page = await chrome.browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await signIn(page);
  await page.goto(`${base}/admin/pages/new`);
  await page.waitForSelector(".editor-content");
  const slug = `advertise-${Date.now()}`;
  await page.fill("#title", "Advertise with us");
  await page.fill("#slug", slug);
  await page.selectOption("#parent", { label: "About us" });
  await page.click(".editor-content");
  await page.keyboard.type("Reach our readers in print and online.");
  await page.keyboard.press("Enter");
  await page.keyboard.type("## Rates");
  await page.keyboard.press("Enter");
  await page.keyboard.type("Ask our sales desk.");
  await page.click("button[name=action][value=publish]");
  await page.waitForURL(/\/admin\/pages\/\d+\?notice=published/);
  const link = await page.getAttribute("#public-url", "href");
  assert.equal(link, `/about/${slug}`);

  await page.goto(`${base}/admin/pages`);
  const footer = await page.inputValue("#footer");
  await page.fill("#footer", `${footer}Advertise | /about/${slug}\n`);
  await page.click("text=Save menus");
  await page.waitForURL(/notice=menus/);
  assert.deepEqual(errors, []);

  for (const [width, scheme] of [[1280, "light"], [360, "dark"]]) {
    const context = await chrome.browser.newContext({ viewport: { width, height: 900 }, colorScheme: scheme });
    const reader = await context.newPage();
    await reader.goto(`${base}/about/${slug}`);
    assert.equal(await reader.textContent("main h1"), "Advertise with us");
    assert.equal(await reader.textContent(".article-body h2"), "Rates");
    assert.equal(await reader.getAttribute(".page-header a", "href"), "/about");
    const inFooter = reader.locator(`.site-footer .footer-menu a[href="/about/${slug}"]`);
    assert.equal(await inFooter.textContent(), "Advertise");
    await reader.screenshot({ path: `${out}/page-${width}-${scheme}.png`, fullPage: true });
    const overflow = await reader.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(overflow, false, `no sideways scrolling at ${width}px`);
    const axe = await new AxeBuilder({ page: reader }).analyze();
    assert.deepEqual(axe.violations.map((v) => v.id), []);
    await context.close();
  }
  await page.close();
});
