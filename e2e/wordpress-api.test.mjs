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

test("a WordPress client publishes with an application password", async () => {
  const page = await chrome.browser.newPage();
  await signIn(page);
  await page.goto(`${base}/admin/account`);
  await page.fill("#token-name", "WordPress scheduler");
  await page.click("form.inline button[type=submit]");
  const token = (await page.textContent("code.token")).trim();
  await page.close();
  assert.match(token, /^bst_/, "the new token is shown once");

  const anonymous = new WPAPI({ endpoint: `${base}/wp-json` });
  await assert.rejects(anonymous.posts().create({ title: "Nobody" }), (e) => e.code === "rest_cannot_create");
  const wrong = new WPAPI({ endpoint: `${base}/wp-json`, username: process.env.E2E_EMAIL, password: "bst_wrong" });
  await assert.rejects(wrong.users().me().get(), (e) => e.code === "incorrect_password");

  const wp = new WPAPI({ endpoint: `${base}/wp-json`, username: process.env.E2E_EMAIL, password: token });
  const me = await wp.users().me().get();
  assert.ok(me.name, "the password signs in");
  const [section] = await wp.categories().perPage(1).get();
  const post = await wp.posts().create({
    title: "Published from a scheduler",
    content: "<p>Written by a tool with an application password.</p>",
    excerpt: "A story from outside the newsroom's desk.",
    status: "publish",
    categories: [section.id],
  });
  assert.equal(post.status, "publish");
  assert.equal(post.title.raw, "Published from a scheduler");
  const live = await fetch(post.link);
  assert.equal(live.status, 200, `${post.link} is public`);
  assert.match(await live.text(), /Published from a scheduler/);

  const edited = await wp.posts().id(post.id).update({ title: "Published from a scheduler, corrected" });
  assert.equal(edited.title.raw, "Published from a scheduler, corrected");
  const draft = await wp.posts().create({ title: "Held back", content: "<p>Not yet.</p>" });
  assert.equal(draft.status, "draft");
  const drafts = await wp.posts().status("draft").get();
  assert.ok(drafts.some((p) => p.id === draft.id), "drafts are listed to their writer");
  const publicRead = await anonymous.posts().id(draft.id).get().catch((e) => e);
  assert.equal(publicRead.code, "rest_post_invalid_id", "a draft stays private");
});
