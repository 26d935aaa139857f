// An editor signs in, uploads an image, writes an article with tags and a lead image, schedules
// it a few seconds ahead, and sees it on the public site once the time has passed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { base, out, sharedBrowser } from "./browser.mjs";

const chrome = sharedBrowser();

/** The wall-clock time `seconds` from now in the site's zone, as a datetime-local value. */
function localIn(zone, seconds) {
  const when = new Date(Date.now() + seconds * 1000);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
    }).formatToParts(when).map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}

test("an editor schedules an illustrated article and it goes live", async () => {
  const page = await chrome.browser.newPage({ viewport: { width: 1280, height: 900 } });

  await page.goto(`${base}/admin/login`);
  await page.fill("#email", process.env.E2E_EMAIL);
  await page.fill("#password", process.env.E2E_PASSWORD);
  await page.click("button[type=submit]");
  await page.waitForURL(`${base}/admin`);
  assert.equal(await page.textContent("h1"), "Dashboard");

  await page.goto(`${base}/admin/media`);
  await page.setInputFiles("input[type=file]", process.env.E2E_IMAGE);
  await page.click("text=Upload");
  await page.waitForURL(/\/admin\/media\/\d+$/);
  const mediaId = page.url().split("/").pop();
  await page.fill("#alt", "Ridges above a valley at dusk");
  await page.fill("#credit", "E2E Photo Desk");
  // Clicking the picture sets the focal point.
  await page.click(".focal img", { position: { x: 30, y: 20 } });
  assert.notEqual(await page.inputValue("#focal_x"), "500");
  await page.click("form.stack button[type=submit]");
  await page.waitForURL(/\/admin\/media\/\d+$/);

  await page.goto(`${base}/admin/articles/new`);
  const zone = (await page.textContent("label[for=publish_at] small")).replace(/[()]/g, "").trim();
  const headline = `Browser test ${Date.now()}`;
  await page.fill("#headline", headline);
  await page.fill("#standfirst", "Written, illustrated and scheduled in a real browser.");
  await page.click(".editor-content");
  await page.keyboard.type("First paragraph.");
  await page.keyboard.press("Enter");
  await page.keyboard.type("> A pull quote from the browser");
  await page.waitForSelector("[data-preview] blockquote");
  await page.selectOption("#section", { label: "Business News" });
  await page.fill("#tags", "Browser Tests, Retail");
  // Uploading from the editor adds the image to the library and picks it at once.
  const before = await page.$$eval("#lead option", (o) => o.length);
  await page.setInputFiles("[data-lead-upload]", process.env.E2E_IMAGE);
  await page.waitForFunction((n) => document.querySelectorAll("#lead option").length > n, before);
  assert.notEqual(await page.inputValue("#lead"), "");
  await page.selectOption("#lead", mediaId);
  await page.fill("#lead_alt", "Ridges above a valley at dusk");
  await page.fill("#publish_at", localIn(zone, 6));
  await page.click("button[value=schedule]");
  await page.waitForURL(/\/admin\/articles\/\d+\?notice=scheduled$/);
  assert.match(await page.textContent(".status"), /Scheduled/);
  await page.screenshot({ path: `${out}/editor-scheduled.png`, fullPage: true });

  // The job worker publishes it once its time has come.
  let publicUrl = null;
  for (let attempt = 0; attempt < 30 && !publicUrl; attempt++) {
    await page.waitForTimeout(1000);
    await page.reload();
    const link = await page.$("#public-url");
    if (link) publicUrl = await link.getAttribute("href");
  }
  assert.ok(publicUrl, "the article was published by the scheduler");

  const reader = await chrome.browser.newPage({ viewport: { width: 390, height: 844 } });
  const imageTypes = [];
  reader.on("response", (r) => {
    if (r.url().includes("/images/v2/raw/")) imageTypes.push(r.headers()["content-type"]);
  });
  const response = await reader.goto(publicUrl);
  assert.equal(response.status(), 200);
  assert.equal(await reader.textContent("h1"), headline);
  assert.equal(await reader.getAttribute(".lead-image img", "alt"), "Ridges above a valley at dusk");
  assert.match(await reader.textContent(".article-tags"), /Browser Tests/);
  assert.match(await reader.textContent(".article-body blockquote"), /pull quote from the browser/);
  // The lead image comes from the image service, sized for a phone, in a modern format.
  const lead = await reader.waitForFunction(() => {
    const img = document.querySelector(".lead-image img");
    return img && img.complete && img.naturalWidth > 0 ? { src: img.currentSrc, width: img.naturalWidth } : null;
  });
  const { src, width } = await lead.jsonValue();
  assert.match(src, new RegExp(`/images/v2/raw/media:${mediaId}\\?width=\\d+`));
  assert.ok(width >= 320 && width <= 800, `a phone gets a small rendition, not ${width} px`);
  // AVIF is rendered in the background; until then Chromium is served WebP.
  assert.ok(imageTypes.length > 0 && imageTypes.every((t) => t === "image/avif" || t === "image/webp"),
    `Chromium is served AVIF or WebP: ${imageTypes}`);
  await reader.screenshot({ path: `${out}/article-mobile.png`, fullPage: false });
});
