// Ghost's Content API driven by `@tryghost/content-api`, the client Ghost themes, Next.js and
// Gatsby front ends use: browse with includes and pagination, reads by id and slug, NQL
// filters, fields and formats, authors, tags, pages, settings and tiers, and its errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import GhostContentAPI from "@tryghost/content-api";
import { base } from "./browser.mjs";

const key = process.env.E2E_GHOST_KEY;

test("a Ghost front end browses, reads, filters and pages the site", async () => {
  assert.match(key ?? "", /^[0-9a-f]{26}$/, "run.sh makes a Content API key");
  const api = new GhostContentAPI({ url: base, key, version: "v6.0" });

  const first = await api.posts.browse({ limit: 5, include: "tags,authors" });
  assert.equal(first.length, 5);
  const paging = first.meta.pagination;
  assert.equal(paging.page, 1);
  assert.equal(paging.limit, 5);
  assert.equal(paging.next, 2);
  assert.equal(paging.pages, Math.ceil(paging.total / 5));
  const second = await api.posts.browse({ limit: 5, page: 2 });
  const seen = new Set(first.map((p) => p.id));
  assert.ok(second.every((p) => !seen.has(p.id)), "pages do not overlap");
  assert.ok(Date.parse(first[4].published_at) >= Date.parse(second[0].published_at), "newest first");
  for (const post of first) {
    assert.match(post.id, /^[0-9a-f]{24}$/);
    assert.match(post.uuid, /^[0-9a-f-]{36}$/);
    assert.ok(post.url.startsWith(base), post.url);
    assert.deepEqual(post.primary_author ?? null, post.authors[0] ?? null, "the byline's first is primary");
  }
  assert.ok(first.some((p) => p.primary_author?.name), "bylines are included");

  const byId = await api.posts.read({ id: first[0].id }, { include: "tags" });
  assert.equal(byId.title, first[0].title);
  const bySlug = await api.posts.read({ slug: first[0].slug });
  assert.equal(bySlug.id, first[0].id);

  const tagged = first.find((p) => p.primary_tag);
  assert.ok(tagged, "a story with a tag");
  const slug = tagged.primary_tag.slug;
  const inTag = await api.posts.browse({ filter: `tag:${slug}`, include: "tags", limit: "all" });
  assert.ok(inTag.length > 0);
  assert.ok(inTag.every((p) => p.tags.some((t) => t.slug === slug)), "every post carries the tag");
  const notInTag = await api.posts.browse({ filter: `tag:-${slug}`, limit: 1 });
  assert.equal(notInTag.meta.pagination.total + inTag.meta.pagination.total, paging.total);
  const recent = await api.posts.browse({
    filter: `(tag:${slug},featured:true)+published_at:>'2000-01-01'+id:-${tagged.id}`,
    limit: 100,
  });
  assert.ok(recent.every((p) => p.id !== tagged.id), "id:- leaves the post out");

  const slim = await api.posts.browse({ limit: 2, fields: "title,slug,plaintext", formats: "plaintext" });
  assert.deepEqual(Object.keys(slim[0]).sort(), ["plaintext", "slug", "title"]);
  assert.ok(slim[0].plaintext.length > 0);

  const authors = await api.authors.browse({ include: "count.posts", limit: "all" });
  assert.ok(authors.length > 0 && authors.every((a) => a.count.posts > 0), "authors with stories");
  assert.ok(authors.every((a) => !("email" in a)), "no addresses");
  const author = await api.authors.read({ slug: authors[0].slug });
  assert.equal(author.name, authors[0].name);
  const byAuthor = await api.posts.browse({ filter: `author:${author.slug}`, include: "authors", limit: 100 });
  assert.ok(byAuthor.every((p) => p.authors.some((a) => a.slug === author.slug)));

  const tags = await api.tags.browse({ include: "count.posts", limit: "all" });
  assert.ok(tags.some((t) => t.slug === slug && t.count.posts === inTag.meta.pagination.total));
  const pages = await api.pages.browse();
  assert.ok(pages.length > 0, "the demo's pages");
  const page = await api.pages.read({ slug: pages[0].slug });
  assert.equal(page.title, pages[0].title);

  const settings = await api.settings.browse();
  assert.ok(settings.title);
  assert.equal(settings.url, `${base}/`);
  const tiers = await api.tiers.browse();
  assert.equal(tiers.length, 1);
  assert.equal(tiers[0].type, "free");
});

test("a Ghost client gets Ghost's errors", async () => {
  const api = new GhostContentAPI({ url: base, key, version: "v6.0" });
  await assert.rejects(api.posts.read({ slug: "no-such-story" }), (e) => e.name === "NotFoundError");
  await assert.rejects(api.posts.browse({ filter: "tag:(" }), (e) => e.name === "BadRequestError");
  const wrong = new GhostContentAPI({ url: base, key: "0123456789abcdef0123456789", version: "v6.0" });
  await assert.rejects(wrong.posts.browse(), (e) => e.name === "NoPermissionError");
});
