// A cold image cache is not a broken page: browsers never retry a picture that failed, so the
// first readers of a freshly deployed node must get every picture even though none is rendered
// yet. A server of its own (a fresh data dir, so an empty image cache) is opened by a desktop, a
// tablet and a phone at once: together they ask for far more distinct variants than there are render
// workers, and every image on the page must arrive.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sharedBrowser } from "./browser.mjs";

const chrome = sharedBrowser();
const bin = process.env.E2E_BIN;
const port = Number(process.env.E2E_COLD_PORT || 18383);
const site = `http://127.0.0.1:${port}`;
let dataDir;
let server;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "broadsheet-cold-"));
  execFileSync(bin, ["--data-dir", dataDir, "--log", "warn", "demo", "--articles", "480", "--seed", "5"]);
  // The tests run a debug build, whose own image code renders about ten times slower than a
  // release build's (0.06–0.7 s a picture): the wait for a worker gets a deadline to match, as an
  // operator sets --image-queue-wait for the speed of their cores. What is tested is that
  // distinct variants wait for a worker instead of being refused by count.
  server = spawn(
    bin,
    ["--data-dir", dataDir, "--log", "warn", "serve", "--listen", `127.0.0.1:${port}`, "--image-queue-wait", "30"],
    { stdio: "ignore" },
  );
  for (let i = 0; i < 100; i++) {
    const up = await fetch(`${site}/healthz`).then((r) => r.ok, () => false);
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the cold server did not start");
});

after(async () => {
  if (server) {
    const exited = new Promise((resolve) => server.once("exit", resolve));
    server.kill("SIGTERM");
    await exited;
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Opens the home page in a fresh context, scrolls through it so lazy pictures load too, and
 * returns every picture's state and every image answer's status. */
async function readHome(viewport, deviceScaleFactor) {
  const context = await chrome.browser.newContext({ viewport, deviceScaleFactor });
  const page = await context.newPage();
  const answers = [];
  page.on("response", (r) => {
    if (r.url().includes("/images/")) answers.push({ url: r.url(), status: r.status() });
  });
  await page.goto(`${site}/`);
  const height = await page.evaluate(() => document.body.scrollHeight);
  for (let y = 0; y < height; y += viewport.height / 2) {
    await page.evaluate((top) => window.scrollTo(0, top), y);
  }
  await page.waitForLoadState("networkidle");
  await page.waitForFunction(() => [...document.images].every((img) => img.complete), null, { timeout: 20000 });
  const pictures = await page.$$eval("img", (imgs) =>
    imgs.map((img) => ({ src: img.currentSrc, loaded: img.complete && img.naturalWidth > 0 })),
  );
  await context.close();
  return { pictures, answers };
}

test("every picture of the home page arrives on an empty image cache", async () => {
  // Three screens whose card pictures fall on three different srcset widths.
  const readers = await Promise.all([
    readHome({ width: 1280, height: 900 }, 1),
    readHome({ width: 800, height: 1000 }, 2),
    readHome({ width: 360, height: 780 }, 2),
  ]);
  const pictures = readers.flatMap((r) => r.pictures);
  const answers = readers.flatMap((r) => r.answers);
  const variants = new Set(answers.map((a) => a.url));
  assert.ok(pictures.length >= 40, `the two readers see ${pictures.length} pictures`);
  assert.ok(variants.size >= 40, `only ${variants.size} distinct variants were asked for`);
  const refused = answers.filter((a) => a.status !== 200);
  assert.deepEqual(refused, [], "every image answer is a picture");
  const broken = pictures.filter((p) => !p.loaded);
  assert.deepEqual(broken, [], "every picture on the page arrived");
});
