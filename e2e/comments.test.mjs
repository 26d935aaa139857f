// Readers comment with and without JavaScript, an editor moderates, and the OWASP XSS vectors
// stored as comments stay inert in a real browser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { base, out, sharedBrowser, signIn } from "./browser.mjs";

const chrome = sharedBrowser();

/** The first article on the front page whose comments are open and that has a comment to reply to. */
async function discussedArticle(page) {
  await page.goto(`${base}/`);
  const links = await page.$$eval("a.card-comments", (as) => as.map((a) => a.getAttribute("href").split("#")[0]));
  for (const link of links) {
    await page.goto(`${base}${link}`);
    if (await page.$("#commentform") && await page.$(".comment-reply-link")) return `${base}${link}`;
  }
  throw new Error("no open article with comments on the front page");
}

test("a reader comments without and with JavaScript, and an editor approves", async () => {
  const scout = await chrome.browser.newPage();
  const url = await discussedArticle(scout);
  await scout.close();

  // Without JavaScript: a plain form POST, then the page again at the held comment.
  const plain = await chrome.browser.newContext({ javaScriptEnabled: false });
  const noJs = await plain.newPage();
  await noJs.goto(url);
  await noJs.fill("#comment", "Posted without JavaScript, by the book.");
  await noJs.fill("#author", "Plain Reader");
  await noJs.fill("#email", "plain.reader@e2e.example");
  await noJs.waitForTimeout(3500);
  await noJs.click("#submit");
  await noJs.waitForURL(/unapproved=\d+&moderation-hash=/);
  const held = noJs.locator(".comment-awaiting");
  assert.match(await held.textContent(), /Posted without JavaScript/);
  assert.match(await held.textContent(), /awaiting moderation/);
  await noJs.screenshot({ path: `${out}/comment-held-nojs.png` });
  await plain.close();

  // With JavaScript: Reply moves the form under the comment; posting does not reload the page.
  const context = await chrome.browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  const replyLink = page.locator(".comment-reply-link").first();
  const parentId = await replyLink.getAttribute("data-reply-to");
  await replyLink.click();
  assert.equal(await page.$eval("#respond", (r) => r.parentElement.id), `li-comment-${parentId}`);
  assert.match(await page.textContent("#reply-title"), /Leave a Reply to /);
  assert.equal(await page.inputValue("#comment_parent"), parentId);
  await page.fill("#comment", "A reply sent with JavaScript.");
  await page.fill("#author", "Script Reader");
  await page.fill("#email", "script.reader@e2e.example");
  await page.check("#wp-comment-cookies-consent");
  // Both readers share the loopback address: wait out the 15-second flood rule.
  await page.waitForTimeout(16000);
  let navigated = false;
  page.on("framenavigated", (f) => { if (f === page.mainFrame()) navigated = true; });
  await page.click("#submit");
  await page.waitForSelector(`#li-comment-${parentId} .children .comment-awaiting`);
  assert.equal(navigated, false, "the page did not reload");
  assert.match(await page.textContent("[data-comment-status]"), /awaiting moderation/);
  assert.match(await page.textContent(`#li-comment-${parentId} .children`), /A reply sent with JavaScript/);
  await page.screenshot({ path: `${out}/comment-reply-js.png` });

  // The browser remembers the reader, with their consent.
  await page.goto(url);
  assert.equal(await page.inputValue("#author"), "Script Reader");
  assert.equal(await page.inputValue("#email"), "script.reader@e2e.example");
  await context.close();

  // An editor approves both from the queue; readers then see them.
  const desk = await chrome.browser.newPage();
  await signIn(desk);
  await desk.goto(`${base}/admin/comments`);
  for (const text of ["Posted without JavaScript", "A reply sent with JavaScript"]) {
    const row = desk.locator("tr", { hasText: text });
    await row.locator("button[value=approve]").click();
    await desk.waitForURL(/notice=done/);
  }
  await desk.goto(`${base}/admin/comments?status=approved`);
  assert.match(await desk.textContent("table.comment-queue"), /A reply sent with JavaScript/);
  await desk.close();

  const reader = await chrome.browser.newPage();
  await reader.goto(url);
  const list = await reader.textContent(".comment-list");
  assert.match(list, /Posted without JavaScript/);
  assert.match(list, /A reply sent with JavaScript/);
  assert.equal(await reader.$$eval(".comment-awaiting", (e) => e.length), 0);
  await reader.close();
});

test("stored XSS vectors do nothing in Chromium", async () => {
  const vectors = readFileSync(new URL("../tests/fixtures/xss-vectors.txt", import.meta.url), "utf8")
    .split("\n").filter((l) => l.length > 0);
  assert.ok(vectors.length >= 50);
  const page = await chrome.browser.newPage();
  const url = await discussedArticle(page);
  await signIn(page);
  await page.goto(url);
  const articleId = await page.inputValue("#comment_post_ID");
  // The editor's comments are approved at once, so every vector is published.
  const statuses = await page.evaluate(async ({ vectors, articleId }) => {
    const results = [];
    for (const vector of vectors) {
      const body = new URLSearchParams({ comment_post_ID: articleId, comment_parent: "0", comment: vector });
      const r = await fetch("/comments", { method: "POST", headers: { Accept: "application/json" }, body });
      results.push(r.status);
    }
    return results;
  }, { vectors, articleId });
  assert.ok(statuses.every((s) => s === 201), `every vector stored: ${statuses}`);

  const reader = await chrome.browser.newPage();
  const dialogs = [];
  reader.on("dialog", async (d) => { dialogs.push(d.message()); await d.dismiss(); });
  const errors = [];
  reader.on("pageerror", (e) => errors.push(String(e)));
  for (const pageUrl of [url, `${url}?cpage=2`]) {
    await reader.goto(pageUrl);
    await reader.waitForTimeout(300);
    for (const body of await reader.$$(".comment-content")) {
      await body.hover();
    }
    const injected = await reader.evaluate(() => {
      const list = document.querySelector(".comment-list");
      const bad = list.querySelectorAll("script, img, iframe, object, embed, style, link, meta, base, form, input, video, audio, svg:not(.comment-avatar), math, details, table, body, frame, frameset, template, noscript, x");
      const handlers = [...list.querySelectorAll("*")].filter((el) => [...el.attributes].some((a) => a.name.startsWith("on")));
      const scripted = [...list.querySelectorAll("a")].filter((a) => !/^(https?:|#|\/)/.test(a.getAttribute("href") || "#"));
      return bad.length + handlers.length + scripted.length;
    });
    assert.equal(injected, 0, `no element, handler or script link came from a comment on ${pageUrl}`);
    assert.match(await reader.textContent(".comment-list"), /alert\(/, "the vectors show as text");
  }
  assert.deepEqual(dialogs, [], "no alert fired");
  assert.deepEqual(errors, [], "no script error");
  await reader.screenshot({ path: `${out}/comments-xss.png`, fullPage: false });
  await page.close();
  await reader.close();
});
