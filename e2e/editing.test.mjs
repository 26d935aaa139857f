// The writing desk: an editor writes an article with every element of the document model through
// the toolbar, the shortcuts and Markdown-style typing, pastes from Google Docs, inserts a
// library picture with a caption and embeds a video, publishes and reads the page; opens
// WordPress posts (block and classic HTML), edits a sentence and finds the rest unchanged; and
// the editor is operable by keyboard, clean for axe-core, and still saves without JavaScript.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import AxeBuilder from "@axe-core/playwright";
import { base, out, sharedBrowser, signIn } from "./browser.mjs";

const chrome = sharedBrowser();
const WXR = new URL("../../shared/fixtures/wxr/wordpress-importer/theme-unit-test-data.xml", import.meta.url);

/** Presses a toolbar button by its accessible name's start. */
async function tool(page, name) {
  await page.click(`.editor-toolbar button[aria-label*="${name}"]`);
}

/** Sends a paste event with the given clipboard contents to the editor. */
async function paste(page, data) {
  await page.evaluate((data) => {
    const transfer = new DataTransfer();
    for (const [type, value] of Object.entries(data)) transfer.setData(type, value);
    const target = document.querySelector(".editor-content");
    target.dispatchEvent(new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true, cancelable: true }));
  }, data);
}

/** The content of one post of the WordPress export, as the importer reads it. */
function wordpressPost(title) {
  const xml = readFileSync(WXR, "utf8");
  const at = xml.indexOf(`<title>${title}</title>`);
  const start = xml.indexOf("<content:encoded><![CDATA[", at) + "<content:encoded><![CDATA[".length;
  return xml.slice(start, xml.indexOf("]]></content:encoded>", start));
}

test("an article with every element is written in the editor and read on the site", async () => {
  const page = await chrome.browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await signIn(page);
  await page.goto(`${base}/admin/articles/new`);
  await page.waitForSelector(".editor-content");
  const headline = `Every element ${Date.now()}`;
  await page.fill("#headline", headline);
  await page.selectOption("#section", { label: "Business News" });
  const key = process.platform === "darwin" ? "Meta" : "Control";

  await page.click(".editor-content");
  await page.keyboard.type("Opening with ");
  await page.keyboard.press(`${key}+b`);
  await page.keyboard.type("bold");
  await page.keyboard.press(`${key}+b`);
  await page.keyboard.type(", ");
  await page.keyboard.press(`${key}+i`);
  await page.keyboard.type("italic");
  await page.keyboard.press(`${key}+i`);
  await page.keyboard.type(", ");
  await tool(page, "Strikethrough");
  await page.keyboard.type("struck");
  await tool(page, "Strikethrough");
  await page.keyboard.type(", CO");
  await page.keyboard.press(`${key}+,`);
  await page.keyboard.type("2");
  await page.keyboard.press(`${key}+,`);
  await page.keyboard.type(" and a link");
  await page.keyboard.press("Shift+Home");
  await page.keyboard.press("Shift+ArrowRight");
  await page.keyboard.press("End");
  for (let i = 0; i < 4; i++) await page.keyboard.press("Shift+ArrowLeft");
  await page.keyboard.press(`${key}+k`);
  await page.fill("dialog input[name=href]", "https://example.org/source");
  await page.click("dialog button[type=submit]");
  await page.keyboard.press("End");
  await page.keyboard.press("Enter");
  await page.keyboard.type("## A subheading typed as Markdown");
  await page.keyboard.press("Enter");
  await page.keyboard.type("Then a level three");
  await page.keyboard.press(`${key}+Alt+3`);
  await page.keyboard.press("Enter");
  await page.keyboard.type("* first point");
  await page.keyboard.press("Enter");
  await page.keyboard.type("second point");
  await page.keyboard.press("Enter");
  await page.keyboard.press("Enter");
  await page.keyboard.type("1. numbered");
  await page.keyboard.press("Enter");
  await page.keyboard.press("Enter");
  await page.keyboard.type("> A quotation");
  await page.keyboard.press("Enter");
  await page.keyboard.type("A source");
  await tool(page, "Source of the quote");
  await page.keyboard.press("Enter");
  await page.keyboard.press("Enter");
  await page.keyboard.type("A line worth pulling out");
  await tool(page, "Pull quote");
  await page.keyboard.press("Enter");
  await page.keyboard.press("Enter");
  await page.keyboard.type("A note beside the story");
  await tool(page, "Aside");
  await page.keyboard.press("Enter");
  await page.keyboard.press("Enter");
  await page.keyboard.type("```");
  await page.keyboard.type("let x = 1;");
  await page.keyboard.press(`${key}+Enter`);
  await page.keyboard.type("---");
  await page.keyboard.type("After the rule.");
  await page.keyboard.press("Enter");

  // A picture from the library, with its caption.
  await tool(page, "Image from the library");
  await page.click("dialog .editor-tile");
  await page.fill("dialog input[name=alt]", "Hills above the valley");
  await page.fill("dialog input[name=caption]", "The valley at dusk");
  await page.fill("dialog input[name=credit]", "Photograph: Desk");
  await page.selectOption("dialog select[name=size]", "wide");
  await page.click("dialog button[type=submit]");
  await page.waitForSelector(".editor-content figure.editor-image");

  // A gallery of two library pictures.
  await tool(page, "Gallery");
  await page.waitForFunction(() => document.querySelectorAll("dialog .editor-tile").length >= 2);
  const tiles = await page.$$("dialog .editor-tile");
  await tiles[0].click();
  await tiles[1].click();
  await page.click("dialog button[type=submit]");
  await page.waitForSelector(".editor-content figure.gallery");

  // An embed by pasting its address on an empty line, and a table.
  await page.click(".editor-content > p:last-of-type");
  await page.keyboard.press("End");
  await page.keyboard.press("Enter");
  await paste(page, { "text/plain": "https://www.youtube.com/watch?v=dQw4w9WgXcQ" });
  await page.waitForSelector(".editor-content figure.editor-embed");
  await tool(page, "Table");
  await page.keyboard.type("Party");
  await page.keyboard.press("Tab");
  await page.keyboard.type("Seats");
  await page.keyboard.press("Tab");
  await page.keyboard.type("Greens");
  await tool(page, "Table caption");
  await page.fill("dialog input[name=caption]", "Results");
  await page.click("dialog button[type=submit]");

  // A paste from Google Docs keeps its bold and italics and drops its styles.
  await page.click(".editor-content > p:last-of-type");
  await page.keyboard.press("End");
  await page.keyboard.press("Enter");
  await paste(page, {
    "text/html": '<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-1"><p dir="ltr" style="line-height:1.38"><span style="font-size:11pt;font-family:Arial;color:#000000;font-weight:400">Pasted from Docs with </span><span style="font-size:11pt;font-weight:700">weight</span><span style="font-size:11pt;font-style:italic;font-weight:400"> and slant</span></p></b>',
    "text/plain": "Pasted from Docs with weight and slant",
  });

  const words = await page.textContent(".editor-count");
  assert.match(words, /\d+ words · \d+ min read/);
  await page.screenshot({ path: `${out}/editor-every-element.png`, fullPage: true });
  const html = await page.inputValue("textarea[name=body]");
  for (const tag of ["<strong>bold</strong>", "<em>italic</em>", "<s>struck</s>", "<sub>2</sub>", 'href="https://example.org/source"', "<h2>", "<h3>", "<ul>", "<ol>", "<blockquote>", "<cite>A source</cite>", 'class="pull-quote"', 'class="note"', "<pre><code>", "<hr>", 'data-size="wide"', 'class="gallery"', 'class="embed"', "<caption>Results</caption>", "<strong>weight</strong>", "<em> and slant</em>"]) {
    assert.ok(html.includes(tag), `${tag} in ${html.slice(html.indexOf("<hr>"))}`);
  }
  assert.ok(!html.includes("docs-internal-guid") && !html.includes("font-size"), "Docs styles are gone");

  await page.click("button[value=publish]");
  await page.waitForURL(/\/admin\/articles\/\d+\?notice=/);
  const publicUrl = await page.getAttribute("#public-url", "href");
  assert.deepEqual(errors, []);

  const reader = await chrome.browser.newPage({ viewport: { width: 1280, height: 900 } });
  await reader.goto(publicUrl);
  const body = ".article-body";
  assert.equal(await reader.textContent(`${body} strong`), "bold");
  assert.equal(await reader.getAttribute(`${body} a[href^="https://example.org"]`, "rel"), "noopener");
  assert.match(await reader.textContent(`${body} h2`), /A subheading typed as Markdown/);
  assert.match(await reader.textContent(`${body} blockquote.pull-quote`), /worth pulling out/);
  assert.match(await reader.textContent(`${body} aside.note`), /note beside/);
  assert.match(await reader.textContent(`${body} pre code`), /let x = 1;/);
  assert.equal(await reader.textContent(`${body} caption`), "Results");
  assert.equal(await reader.textContent(`${body} thead th`), "Party");
  const figure = `${body} figure.image[data-size=wide]`;
  assert.equal(await reader.getAttribute(`${figure} img`, "alt"), "Hills above the valley");
  assert.match(await reader.getAttribute(`${figure} img`, "srcset"), /\/images\/v2\/raw\/media:\d+\?width=320/);
  assert.match(await reader.textContent(`${figure} figcaption`), /The valley at dusk\s+Photograph: Desk/);
  assert.equal((await reader.$$(`${body} figure.gallery img`)).length, 2);
  // The video loads from YouTube only when the reader asks.
  assert.equal(await reader.$(`${body} iframe`), null);
  await reader.click(`${body} .embed-load`);
  assert.match(await reader.getAttribute(`${body} iframe.embed-player`, "src"), /^https:\/\/www\.youtube-nocookie\.com\/embed\/dQw4w9WgXcQ/);
  await reader.screenshot({ path: `${out}/article-every-element.png`, fullPage: true });
});

test("a WordPress post opens in the editor and a one-sentence edit changes only that sentence", async (t) => {
  if (!existsSync(WXR)) return t.skip(`the WordPress fixtures are not at ${WXR.pathname}`);
  const plain = await chrome.browser.newContext({ javaScriptEnabled: false });
  const noJs = await plain.newPage();
  await signIn(noJs);
  const rich = await chrome.browser.newPage({ viewport: { width: 1280, height: 900 } });
  await signIn(rich);
  for (const title of ["Block category: Common", "Markup: HTML Tags and Formatting"]) {
    // Without JavaScript the body is HTML in a textarea: the importer's door, the same cleaning.
    await noJs.goto(`${base}/admin/articles/new`);
    await noJs.fill("#headline", `WordPress: ${title} ${Date.now()}`);
    await noJs.selectOption("#section", { label: "Business News" });
    await noJs.fill("#body", wordpressPost(title));
    await noJs.click("button[value=save]");
    await noJs.waitForURL(/\/admin\/articles\/\d+\?notice=/);
    const editUrl = noJs.url().split("?")[0];
    const before = await noJs.inputValue("#body");
    assert.ok(before.length > 500, `${title} came in`);

    await rich.goto(editUrl);
    await rich.waitForSelector(".editor-content");
    const first = rich.locator(".editor-content > p:not(:has(*))").filter({ hasText: /^.{10,60}$/ }).first();
    const sentence = await first.textContent();
    await first.click();
    await rich.keyboard.press("End");
    await rich.keyboard.type(" Edited in Broadsheet.");
    await rich.click("button[value=save]");
    await rich.waitForURL(/\/admin\/articles\/\d+\?notice=/);

    await noJs.goto(editUrl);
    const after = await noJs.inputValue("#body");
    const escaped = sentence.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\u00a0/g, "&nbsp;");
    const expected = before.replace(`${escaped}</p>`, `${escaped} Edited in Broadsheet.</p>`);
    assert.notEqual(expected, before, `the sentence was found in ${title}`);
    assert.equal(after, expected, `${title}: only the edited sentence changed`);
  }
  await plain.close();
});

test("the editor is operable by keyboard and clean for axe-core", async () => {
  const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await signIn(page);
  await page.goto(`${base}/admin/articles/new`);
  await page.waitForSelector(".editor-content");
  await page.focus(".editor-content");
  await page.keyboard.type("Keyboard only");
  await page.keyboard.press("Alt+F10");
  assert.equal(await page.evaluate(() => document.activeElement.closest("[role=toolbar]") !== null), true, "Alt+F10 reaches the toolbar");
  const firstName = await page.evaluate(() => document.activeElement.getAttribute("aria-label"));
  await page.keyboard.press("ArrowRight");
  const secondName = await page.evaluate(() => document.activeElement.getAttribute("aria-label"));
  assert.notEqual(firstName, secondName, "arrow keys move along the toolbar");
  assert.match(secondName, /Subheading, level 2/);
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => document.activeElement.id), "body-editor", "the text has the focus again");
  await page.keyboard.press("Alt+F10");
  await page.keyboard.press("Escape");
  assert.equal(await page.evaluate(() => document.activeElement.id), "body-editor", "Escape goes back to the text");
  assert.equal(await page.inputValue("textarea[name=body]"), "<h2>Keyboard only</h2>");
  assert.equal(await page.getAttribute('.editor-toolbar button[aria-label*="Subheading, level 2"]', "aria-pressed"), "true");
  const results = await new AxeBuilder({ page }).include(".editor-main").analyze();
  assert.deepEqual(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(" ")}`), []);
  await page.click('.editor-toolbar button[aria-label*="Image from the library"]');
  await page.waitForSelector("dialog .editor-tile");
  const dialog = await new AxeBuilder({ page }).include("dialog").analyze();
  assert.deepEqual(dialog.violations.map((v) => v.id), []);
  await page.keyboard.press("Escape");
  assert.equal(await page.$("dialog[open]"), null, "Escape closes the dialog");
  await context.close();
});

test("hostile HTML pasted into the editor comes out inert on the page", async () => {
  const vectors = readFileSync(new URL("../tests/fixtures/xss-vectors.txt", import.meta.url), "utf8").split("\n").filter(Boolean);
  const page = await chrome.browser.newPage({ viewport: { width: 1280, height: 900 } });
  const dialogs = [];
  page.on("dialog", async (d) => { dialogs.push(d.message()); await d.dismiss(); });
  await signIn(page);
  await page.goto(`${base}/admin/articles/new`);
  await page.waitForSelector(".editor-content");
  await page.fill("#headline", `Pasted vectors ${Date.now()}`);
  await page.selectOption("#section", { label: "Business News" });
  await page.click(".editor-content");
  await page.keyboard.type("Before the paste.");
  await page.keyboard.press("Enter");
  await paste(page, { "text/html": vectors.join("<br>\n"), "text/plain": vectors.join("\n") });
  await page.click("button[value=publish]");
  await page.waitForURL(/\/admin\/articles\/\d+\?notice=/);
  const reader = await chrome.browser.newPage();
  reader.on("dialog", async (d) => { dialogs.push(d.message()); await d.dismiss(); });
  await reader.goto(await page.getAttribute("#public-url", "href"));
  await reader.waitForTimeout(300);
  const injected = await reader.evaluate(() => {
    const body = document.querySelector(".article-body");
    const bad = body.querySelectorAll("script, iframe, object, embed, style, link, meta, base, form, input, svg, math, frame, template, noscript");
    const handlers = [...body.querySelectorAll("*")].filter((el) => [...el.attributes].some((a) => a.name.startsWith("on") || a.name === "style"));
    const scripted = [...body.querySelectorAll("a, img")].filter((el) => !/^(https?:|#|\/)/.test(el.getAttribute("href") || el.getAttribute("src") || "#"));
    return { bad: bad.length, handlers: handlers.length, scripted: scripted.length, text: body.textContent.includes("Before the paste.") };
  });
  assert.deepEqual(injected, { bad: 0, handlers: 0, scripted: 0, text: true });
  assert.deepEqual(dialogs, [], "no alert fired in the editor or on the page");
});
