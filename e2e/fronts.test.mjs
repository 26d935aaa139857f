// An editor lays out the home page on the front-page desk in a real browser — search, place,
// reorder, preview, publish — and readers see that front; the desk itself passes axe-core.
import { test } from "node:test";
import assert from "node:assert/strict";
import { AxeBuilder } from "@axe-core/playwright";
import { base, out, sharedBrowser } from "./browser.mjs";

const chrome = sharedBrowser();

/** Presses a button of a form and waits for the page it leads to: every desk change redirects
 * back to the desk, whose address may not change, so waiting for an address is not enough. */
async function submit(page, button) {
  await Promise.all([page.waitForNavigation(), page.locator(button).first().click()]);
}

async function axeViolations(page) {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

test("an editor lays out the home page on the desk and readers see it", async () => {
  // axe-core runs only in pages of a context made with newContext(). Without motion, as in
  // the reading test: axe would measure the fading back-to-top button's contrast halfway.
  const context = await chrome.browser.newContext({
    viewport: { width: 1280, height: 900 },
    reducedMotion: "reduce",
  });
  const page = await context.newPage();
  await page.goto(`${base}/admin/login`);
  await page.fill("#email", process.env.E2E_EMAIL);
  await page.fill("#password", process.env.E2E_PASSWORD);
  await page.click("button[type=submit]");
  await page.waitForURL(`${base}/admin`);

  await Promise.all([page.waitForURL(`${base}/admin/fronts`), page.click(".admin-bar a[href='/admin/fronts']")]);
  await Promise.all([page.waitForURL(`${base}/admin/fronts/home`), page.click("a[href='/admin/fronts/home']")]);
  const found = page.locator(".front-story:has(button:has-text('Place'))");
  assert.ok((await found.count()) >= 5, "the desk lists stories to place");
  const headline = async (i) => (await found.nth(i).locator("strong").textContent()).trim();
  const lead = await headline(3);
  const first = await headline(4);
  const second = await headline(1);

  const placeAs = async (story, slot) => {
    const row = page.locator(".front-story", { hasText: story }).filter({ has: page.locator("select") });
    await row.locator("select").selectOption({ label: slot });
    await Promise.all([page.waitForNavigation(), row.locator("button:has-text('Place')").click()]);
    assert.match(page.url(), /notice=changed/, `placed ${story}`);
  };
  await placeAs(lead, "Lead story");
  await page.selectOption("#block-kind", "picked");
  await page.fill("#block-title", "Editor's picks");
  await submit(page, "button[value=add-block]");
  assert.match(page.url(), /notice=changed/);
  await placeAs(first, "Block: Editor's picks");
  await placeAs(second, "Block: Editor's picks");
  await submit(page, `button[aria-label="Move ${second} up"]`);
  assert.match(page.url(), /notice=changed/);
  const picks = await page.locator(".front-block-desk .front-story strong").allTextContents();
  assert.deepEqual(picks.map((s) => s.trim()), [second, first], "the desk shows the new order");

  const preview = page.frameLocator("iframe[title^='Preview']");
  assert.equal((await preview.locator(".lead-story .card-headline").textContent()).trim(), lead);
  assert.deepEqual(await axeViolations(page), [], "the desk passes axe");
  await page.screenshot({ path: `${out}/front-desk-1280.png`, fullPage: true });

  await submit(page, "button[value=now]");
  assert.match(page.url(), /notice=published/);
  await page.goto(`${base}/`);
  assert.equal((await page.textContent(".lead-story .card-headline")).trim(), lead);
  const block = page.locator("section", { has: page.locator("h2:has-text(\"Editor's picks\")") });
  const shown = (await block.locator(".card-headline").allTextContents()).map((s) => s.trim());
  assert.deepEqual(shown, [second, first], "readers see the editor's order");
  assert.deepEqual(await axeViolations(page), [], "the laid-out home passes axe");
  await page.setViewportSize({ width: 360, height: 780 });
  await page.goto(`${base}/admin/fronts/home`);
  assert.deepEqual(await axeViolations(page), [], "the desk passes axe at 360");
  const overflowing = await page.evaluate(() =>
    [...document.querySelectorAll("body *")]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
      .map((e) => `${e.tagName.toLowerCase()}.${e.className}`),
  );
  assert.deepEqual(overflowing, [], "the desk fits 360px");

  // Back to the automatic front: remove the lead and the block, and publish the empty layout.
  await page.setViewportSize({ width: 1280, height: 900 });
  await submit(page, `button[aria-label="Remove ${lead}"]`);
  assert.match(page.url(), /notice=changed/);
  await submit(page, `button[aria-label="Remove block Editor's picks"]`);
  assert.match(page.url(), /notice=changed/);
  await submit(page, "button[value=now]");
  assert.match(page.url(), /notice=published/);
  // A new reader: this browser may keep its copy of the home page for the minute it is told.
  const reader = await chrome.browser.newPage();
  await reader.goto(`${base}/`);
  assert.equal(await reader.locator("h2:has-text(\"Editor's picks\")").count(), 0);
  assert.ok((await reader.locator(".latest-list li").count()) > 0, "the automatic Latest list is back");
  await reader.close();
  await context.close();
});
