// A reader signs up from an article's promo box, with JavaScript (confirmed in place) and
// without (a "check your inbox" page), then confirms from the link in the mail.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { base, out, sharedBrowser } from "./browser.mjs";

const chrome = sharedBrowser();

/** The confirmation link in the newest outbox mail to `email`, quoted-printable undone. */
function confirmationLink(email) {
  const dir = process.env.E2E_OUTBOX;
  const mails = readdirSync(dir).filter((f) => f.endsWith(".eml")).sort().reverse()
    .map((f) => readFileSync(`${dir}/${f}`, "utf8"))
    .filter((m) => m.includes(`To: ${email}`));
  assert.ok(mails.length > 0, `a confirmation mail to ${email}`);
  const text = mails[0].replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
  return text.match(/https?:\/\/\S+\/newsletters\/confirm\?s=\d+&sig=[0-9a-f]+/)[0];
}

async function articleWithPromo(page) {
  await page.goto(`${base}/`);
  const links = await page.$$eval("a.card-headline, .card-headline a", (as) => as.map((a) => a.getAttribute("href")));
  for (const link of links) {
    await page.goto(`${base}${link}`);
    if (await page.$(".newsletter-promo form")) return `${base}${link}`;
  }
  throw new Error("no article with a newsletter promo");
}

async function waitForMail(email) {
  for (let i = 0; i < 50; i++) {
    try { return confirmationLink(email); } catch { await new Promise((r) => setTimeout(r, 200)); }
  }
  return confirmationLink(email);
}

test("a reader signs up from the promo box and confirms by email", async () => {
  const page = await chrome.browser.newPage();
  const url = await articleWithPromo(page);
  const name = (await page.textContent("#newsletter-promo-title")).replace(/^Unlock the | newsletter for free$/g, "");
  await page.fill(".newsletter-promo input[type=email]", "js.reader@e2e.example");
  let navigated = false;
  page.on("framenavigated", (f) => { if (f === page.mainFrame()) navigated = true; });
  await page.click(".newsletter-promo button[type=submit]");
  await page.waitForFunction(() => /Check your inbox/.test(document.querySelector("[data-newsletter-status]").textContent));
  assert.equal(navigated, false, "confirmed in place");
  await page.screenshot({ path: `${out}/newsletter-promo-js.png` });

  const plain = await chrome.browser.newContext({ javaScriptEnabled: false });
  const noJs = await plain.newPage();
  await noJs.goto(url);
  await noJs.fill(".newsletter-promo input[type=email]", "plain.reader@e2e.example");
  await noJs.click(".newsletter-promo button[type=submit]");
  await noJs.waitForURL(`${base}/newsletters/check-inbox`);
  assert.match(await noJs.textContent("h1"), /Check your inbox/);
  await plain.close();

  const link = await waitForMail("js.reader@e2e.example");
  await page.goto(link.replace(/^https?:\/\/[^/]+/, base));
  assert.match(await page.textContent("h1"), new RegExp(`Confirm your sign-up to ${name}`));
  await page.click("main button[type=submit]");
  assert.match(await page.textContent("h1"), new RegExp(`You are subscribed to ${name}`));
  await page.click("text=Choose your newsletters");
  const checked = await page.$$eval("input[name=newsletter]:checked", (boxes) =>
    boxes.map((b) => document.querySelector(`label[for="${b.id}"]`).textContent));
  assert.equal(checked.length, 1);
  assert.match(checked[0], new RegExp(name));
  await page.screenshot({ path: `${out}/newsletter-preferences.png` });
  await page.close();
});
