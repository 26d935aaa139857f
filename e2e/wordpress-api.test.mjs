// The WordPress REST API driven by `wpapi`, the JavaScript client WordPress tools are built on:
// discovery from the home page's Link header, lists with paging, filters, a single post,
// embedding, search, and a reader's comment sent by an app once an editor allows it.
import { test } from "node:test";
import assert from "node:assert/strict";
import WPAPI from "wpapi";
import { base, sharedBrowser, signIn } from "./browser.mjs";

const chrome = sharedBrowser();

test("a WordPress client lists, filters, pages, embeds and comments", async () => {
  const discovered = await WPAPI.discover(base);
  const found = await discovered.posts().get();
  assert.ok(found.length > 0, "the API is found from the home page");

  const wp = new WPAPI({ endpoint: `${base}/wp-json` });
  const first = await wp.posts().perPage(3).get();
  assert.equal(first.length, 3);
  assert.ok(first._paging.total > 3, `total ${first._paging.total}`);
  assert.equal(first._paging.totalPages, Math.ceil(first._paging.total / 3));
  const second = await first._paging.next.get();
  assert.equal(second.length, 3);
  const seen = new Set(first.map((p) => p.id));
  assert.ok(second.every((p) => !seen.has(p.id)), "pages do not overlap");
  assert.ok(Date.parse(first[2].date_gmt + "Z") >= Date.parse(second[0].date_gmt + "Z"), "newest first");

  const [section] = await wp.categories().slug(first[0].link.split("/")[3]).get();
  const inSection = await wp.posts().categories(section.id).perPage(100).get();
  assert.ok(inSection.length > 0 && inSection.every((p) => p.categories.includes(section.id)));

  const one = await wp.posts().id(first[0].id).get();
  assert.equal(one.title.rendered, first[0].title.rendered);

  const embedded = await wp.posts().perPage(10).embed().get();
  const withEmbeds = embedded.find((p) => p.author !== 0);
  assert.equal(withEmbeds._embedded.author[0].id, withEmbeds.author, "the byline is embedded");
  assert.ok(withEmbeds._embedded.author[0].name);
  assert.equal(withEmbeds._embedded["wp:term"][0][0].taxonomy, "category");

  const word = first[0].title.rendered.split(" ").find((w) => w.length > 5);
  const hits = await wp.search().search(word).get();
  assert.ok(hits.some((h) => h.id === first[0].id), `searching "${word}" finds the story`);

  await assert.rejects(
    wp.comments().create({ post: first[0].id, author_name: "Ann", author_email: "ann@readers.example", content: "Too soon." }),
    (e) => e.code === "rest_comment_login_required",
  );
  const page = await chrome.browser.newPage();
  await signIn(page);
  await page.goto(`${base}/admin/comments/settings`);
  await page.check("input[name=rest_anonymous]");
  await page.click("form.stacked button[type=submit]");
  await page.waitForLoadState("load");
  await page.close();
  const comment = await wp.comments().create({
    post: first[0].id,
    author_name: "Ann Appuser",
    author_email: "ann@readers.example",
    content: "Sent from the newsroom app.",
  });
  assert.equal(comment.post, first[0].id);
  assert.equal(comment.status, "hold", "a first comment waits for a moderator");
  assert.equal(comment.author_email, undefined, "the address is never shown");
});
