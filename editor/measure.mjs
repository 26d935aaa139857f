// The editor's time to interactive: Chromium opens a page with the editor's form holding a long
// body (every element of the model, fifty times) and the bundle; the figure is the time from
// navigation to the editor's ready event, the median of five loads.
import { readFileSync, writeFileSync, mkdtempSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const { chromium } = await import(pathToFileURL(resolve("../e2e/node_modules/playwright-core/index.mjs")).href);
const bundle = process.argv[2];
const every = readFileSync("../tests/fixtures/body-every-element.html", "utf8");
const body = every.repeat(50).replace(/&/g, "&amp;").replace(/</g, "&lt;");
const dir = mkdtempSync(join(tmpdir(), "editor-tti-"));
copyFileSync(bundle, join(dir, "editor.js"));
writeFileSync(
  join(dir, "index.html"),
  `<!DOCTYPE html><html lang="en"><title>TTI</title><form data-editor><input type="hidden" name="_csrf" value="x"><label for="body">Body</label><textarea id="body" name="body">${body}</textarea></form><script src="editor.js"></script>`,
);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
const times = [];
for (let i = 0; i < 5; i++) {
  const page = await browser.newPage();
  page.on("pageerror", (e) => console.error("page error:", e.message));
  await page.addInitScript(() => document.addEventListener("broadsheet:editor-ready", () => (window.readyAt = performance.now())));
  await page.route("**/admin/**", (route) => route.fulfill({ status: 404, body: "" }));
  await page.goto(pathToFileURL(join(dir, "index.html")).href);
  await page.waitForFunction(() => window.readyAt !== undefined, null, { timeout: 10000 });
  times.push(await page.evaluate(() => window.readyAt));
  await page.close();
}
await browser.close();
times.sort((a, b) => a - b);
console.log(`editor_time_to_interactive_ms=${times[2].toFixed(0)} (a body of ${every.length * 50} bytes)`);
