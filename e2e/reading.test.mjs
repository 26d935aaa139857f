// The public pages as readers see them: at 1280 and 360 px, light and dark, every page type is
// checked for layout faults a reader notices (sideways scrolling, a tall masthead, a block much
// taller than what it holds) and by axe-core for accessibility. Screenshots of the home and
// article pages go to E2E_OUT for reviewers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { AxeBuilder } from "@axe-core/playwright";
import { base, out, sharedBrowser } from "./browser.mjs";

const chrome = sharedBrowser();

const WIDTHS = [1280, 360];
const SCHEMES = ["light", "dark"];

/** The addresses of one page of each type, found by following the site's own links. */
async function pagesToRead(page) {
  await page.goto(`${base}/`);
  const section = await page.getAttribute(".lead-story .card-section", "href");
  const stories = await page.$$eval(".card-headline a", (links) => links.map((a) => a.getAttribute("href")));
  // The first story with both a byline and a tag gives the author and tag pages too.
  for (const article of stories) {
    await page.goto(`${base}${article}`);
    const author = await page.$eval("a[rel=author]", (a) => a.getAttribute("href")).catch(() => null);
    const tag = await page.$eval("a[rel=tag]", (a) => a.getAttribute("href")).catch(() => null);
    if (author && tag) {
      return {
        home: "/",
        section,
        tag,
        author,
        article,
        newsletters: "/newsletters",
        search: await searchable(page, "/search?q=decision"),
        "search-nothing": "/search?q=havrset",
        "not-found": "/no-such-page-here",
      };
    }
  }
  throw new Error("no story on the home page has both a byline and a tag");
}

/** `path` once search answers it: the server builds its index in its first seconds. */
async function searchable(page, path) {
  for (let tries = 0; tries < 100; tries++) {
    const response = await page.goto(`${base}${path}`);
    if (response.status() === 200) return path;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${path} never answered 200`);
}

/** Layout faults on the page as laid out now; an empty list when there are none. */
function layoutFaults() {
  const faults = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth + 1) {
    faults.push(`scrolls sideways: ${doc.scrollWidth}px wide in a ${window.innerWidth}px window`);
  }
  const masthead = document.querySelector(".masthead");
  const limit = window.innerWidth <= 400 ? 100 : 200;
  if (masthead && masthead.getBoundingClientRect().height > limit) {
    faults.push(`masthead ${Math.round(masthead.getBoundingClientRect().height)}px tall`);
  }
  // A block is never much taller than its content: the content's extent plus its own spacing.
  for (const block of document.querySelectorAll("main section, main aside, .home-top, .card-list")) {
    const box = block.getBoundingClientRect();
    const children = [...block.children].map((c) => c.getBoundingClientRect()).filter((r) => r.height > 0);
    if (children.length === 0) continue;
    const top = Math.min(...children.map((r) => r.top));
    const bottom = Math.max(...children.map((r) => r.bottom));
    const slack = box.height - (bottom - top);
    if (slack > 96) {
      faults.push(`${block.className || block.tagName} is ${Math.round(slack)}px taller than its content`);
    }
  }
  for (const img of document.querySelectorAll("main img")) {
    const r = img.getBoundingClientRect();
    if (r.right > window.innerWidth + 1) faults.push(`an image overflows: ${img.src}`);
  }
  return faults;
}

/** Scrolls through the page so lazy pictures load, and waits for them, for a full screenshot. */
async function loadEveryPicture(page) {
  await page.evaluate(async () => {
    for (let y = 0; y < document.body.scrollHeight; y += window.innerHeight) {
      window.scrollTo(0, y);
      await new Promise((done) => setTimeout(done, 50));
    }
    window.scrollTo(0, 0);
  });
  await page.waitForFunction(() => [...document.images].every((img) => img.complete), null, {
    timeout: 60_000,
  });
}

test("every page type reads well at 1280 and 360 px, light and dark, with no axe violations", async () => {
  const probe = await chrome.browser.newPage();
  const pages = await pagesToRead(probe);
  await probe.close();
  for (const [name, path] of Object.entries(pages)) assert.ok(path, `found a ${name} page`);
  const problems = [];

  for (const width of WIDTHS) {
    for (const scheme of SCHEMES) {
      const context = await chrome.browser.newContext({
        viewport: { width, height: width > 400 ? 900 : 780 },
        colorScheme: scheme,
        // The back-to-top button fades in; axe would measure its contrast halfway.
        reducedMotion: "reduce",
      });
      const page = await context.newPage();
      for (const [name, path] of Object.entries(pages)) {
        const response = await page.goto(`${base}${path}`, { waitUntil: "load" });
        const expected = name === "not-found" ? 404 : 200;
        assert.equal(response.status(), expected, `${path} answers ${expected}`);
        const where = `${name} (${path}) at ${width}px, ${scheme}`;
        for (const fault of await page.evaluate(layoutFaults)) problems.push(`${where}: ${fault}`);
        const axe = await new AxeBuilder({ page }).analyze();
        for (const v of axe.violations) {
          const nodes = v.nodes.map((n) => n.target.join(" ")).join(", ");
          problems.push(`${where}: axe ${v.id}: ${v.help} — ${nodes}`);
        }
        if (name === "home" || name === "article" || name === "search") {
          await loadEveryPicture(page);
          await page.screenshot({ path: `${out}/${name}-${width}-${scheme}.png`, fullPage: true });
        }
      }
      await context.close();
    }
  }
  assert.deepEqual(problems, [], `${problems.length} problems`);
});

test("the lead block at 1280 is as tall as the lead story, with the secondary stories beside it", async () => {
  const page = await chrome.browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${base}/`);
  const box = async (selector) => page.locator(selector).first().boundingBox();
  const top = await box(".home-top");
  const lead = await box(".lead-story");
  const beside = await box(".secondary-stories");
  assert.ok(beside.x > lead.x + lead.width - 1, "the secondary stories sit to the right of the lead");
  assert.ok(top.height <= Math.max(lead.height, beside.height) + 8, `${top.height} vs ${lead.height}`);
  const latest = await page.locator(".latest-list li").count();
  assert.ok(latest > 0 && latest <= 8, `a short Latest list: ${latest}`);
  assert.equal(await page.locator(".latest-list img").count(), 0, "Latest has no photographs");

  await page.setViewportSize({ width: 360, height: 780 });
  const narrowLead = await box(".lead-story");
  const narrowBeside = await box(".secondary-stories");
  assert.ok(narrowBeside.y >= narrowLead.y + narrowLead.height - 1, "at 360 they sit below the lead");
  const masthead = await box(".masthead");
  assert.ok(masthead.height <= 100, `masthead ${masthead.height}px at 360`);
  await page.close();
});
