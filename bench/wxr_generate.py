#!/usr/bin/env python3
"""Writes a WordPress export (WXR 1.2) of the shape a newsroom's has: authors, nested
categories, tags, posts of a few paragraphs with block markup, links between posts, and threaded
comments, as WordPress 6 writes it. For the import benchmark and the importer's interruption
test; the same seed gives the same file.

Usage: wxr_generate.py OUT.xml [--posts N] [--comments N] [--padding BYTES] [--seed N]
--padding adds that many bytes of text to each post body, to make an export of a given size
(2,000 posts with --padding 500000 make about 1 GB).
"""

import argparse
import datetime
import gzip
import random

WORDS = (
    "council budget election minister harbour strike market inflation river school hospital "
    "court storm museum festival transport energy housing climate police farmers science "
    "university bridge railway library coast trade union mayor report survey vote tax"
).split()


def cdata(text):
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def sentence(rng, n=12):
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--comments", type=int, default=10000)
    parser.add_argument("--padding", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    opener = gzip.open if args.out.endswith(".gz") else open
    site = "https://wp.example"
    start = datetime.datetime(2020, 1, 1, 8, 0, 0)
    with opener(args.out, "wt", encoding="utf-8") as out:
        w = out.write
        w('<?xml version="1.0" encoding="UTF-8" ?>\n')
        w('<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
          'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
          'xmlns:wfw="http://wellformedweb.org/CommentAPI/" '
          'xmlns:dc="http://purl.org/dc/elements/1.1/" '
          'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n')
        w(f"<title>Generated Gazette</title>\n<link>{site}</link>\n")
        w("<wp:wxr_version>1.2</wp:wxr_version>\n")
        w(f"<wp:base_site_url>{site}</wp:base_site_url>\n<wp:base_blog_url>{site}</wp:base_blog_url>\n")
        authors = [f"reporter{i}" for i in range(1, 21)]
        for i, login in enumerate(authors, 1):
            w(f"<wp:author><wp:author_id>{i}</wp:author_id><wp:author_login>{cdata(login)}</wp:author_login>"
              f"<wp:author_email>{cdata(login + '@wp.example')}</wp:author_email>"
              f"<wp:author_display_name>{cdata('Reporter ' + str(i))}</wp:author_display_name>"
              f"<wp:author_first_name>{cdata('')}</wp:author_first_name><wp:author_last_name>{cdata('')}</wp:author_last_name></wp:author>\n")
        categories = []
        term = 1
        for top in ["politics", "business", "sport", "culture", "science"]:
            w(f"<wp:category><wp:term_id>{term}</wp:term_id><wp:category_nicename>{cdata(top)}</wp:category_nicename>"
              f"<wp:category_parent>{cdata('')}</wp:category_parent><wp:cat_name>{cdata(top.title())}</wp:cat_name></wp:category>\n")
            categories.append(top)
            term += 1
            for sub in ["local", "world"]:
                nicename = f"{top}-{sub}"
                w(f"<wp:category><wp:term_id>{term}</wp:term_id><wp:category_nicename>{cdata(nicename)}</wp:category_nicename>"
                  f"<wp:category_parent>{cdata(top)}</wp:category_parent><wp:cat_name>{cdata(sub.title() + ' ' + top)}</wp:cat_name></wp:category>\n")
                categories.append(nicename)
                term += 1
        tags = WORDS[:25]
        for t in tags:
            w(f"<wp:tag><wp:term_id>{term}</wp:term_id><wp:tag_slug>{cdata(t)}</wp:tag_slug>"
              f"<wp:tag_name>{cdata(t.title())}</wp:tag_name></wp:tag>\n")
            term += 1
        per_post = [0] * args.posts
        for _ in range(args.comments):
            per_post[rng.randrange(args.posts)] += 1
        comment_id = 1
        padding = ("lorem ipsum " * (args.padding // 12 + 1))[: args.padding] if args.padding else ""
        for n in range(args.posts):
            post_id = n + 10
            when = start + datetime.timedelta(hours=7 * n)
            slug = f"story-{post_id}"
            link = f"{site}/{when:%Y/%m/%d}/{slug}/"
            paragraphs = []
            for p in range(5):
                text = sentence(rng, 25)
                if p == 2 and n > 0:
                    other = rng.randrange(n) + 10
                    other_when = start + datetime.timedelta(hours=7 * (other - 10))
                    text += f' See <a href="{site}/{other_when:%Y/%m/%d}/story-{other}/">the earlier story</a>.'
                paragraphs.append(f"<!-- wp:paragraph -->\n<p>{text}</p>\n<!-- /wp:paragraph -->")
            if padding:
                paragraphs.append(f"<!-- wp:paragraph -->\n<p>{padding}</p>\n<!-- /wp:paragraph -->")
            content = "\n\n".join(paragraphs)
            w("<item>\n")
            w(f"<title>{cdata(sentence(rng, 8)[:-1])}</title>\n<link>{link}</link>\n")
            w(f"<dc:creator>{cdata(rng.choice(authors))}</dc:creator>\n")
            w(f'<guid isPermaLink="false">{site}/?p={post_id}</guid>\n')
            w(f"<content:encoded>{cdata(content)}</content:encoded>\n")
            w(f"<excerpt:encoded>{cdata(sentence(rng, 20))}</excerpt:encoded>\n")
            w(f"<wp:post_id>{post_id}</wp:post_id>\n")
            w(f"<wp:post_date>{cdata(when.strftime('%Y-%m-%d %H:%M:%S'))}</wp:post_date>\n")
            w(f"<wp:post_date_gmt>{cdata(when.strftime('%Y-%m-%d %H:%M:%S'))}</wp:post_date_gmt>\n")
            w(f"<wp:post_modified>{cdata(when.strftime('%Y-%m-%d %H:%M:%S'))}</wp:post_modified>\n")
            w(f"<wp:post_modified_gmt>{cdata(when.strftime('%Y-%m-%d %H:%M:%S'))}</wp:post_modified_gmt>\n")
            w("<wp:comment_status>open</wp:comment_status><wp:ping_status>open</wp:ping_status>\n")
            w(f"<wp:post_name>{cdata(slug)}</wp:post_name><wp:status>publish</wp:status>\n")
            w("<wp:post_parent>0</wp:post_parent><wp:menu_order>0</wp:menu_order>\n")
            w("<wp:post_type>post</wp:post_type><wp:post_password></wp:post_password><wp:is_sticky>0</wp:is_sticky>\n")
            category = rng.choice(categories)
            w(f'<category domain="category" nicename="{category}">{cdata(category.title())}</category>\n')
            for t in rng.sample(tags, 3):
                w(f'<category domain="post_tag" nicename="{t}">{cdata(t.title())}</category>\n')
            w(f"<wp:postmeta><wp:meta_key>{cdata('_edit_last')}</wp:meta_key><wp:meta_value>{cdata('1')}</wp:meta_value></wp:postmeta>\n")
            first = comment_id
            for c in range(per_post[n]):
                parent = rng.randrange(first, comment_id) if c > 0 and rng.random() < 0.3 else 0
                at = when + datetime.timedelta(minutes=30 * (c + 1))
                approved = "spam" if rng.random() < 0.05 else ("0" if rng.random() < 0.1 else "1")
                w("<wp:comment>")
                w(f"<wp:comment_id>{comment_id}</wp:comment_id>")
                w(f"<wp:comment_author>{cdata('Reader ' + str(rng.randrange(500)))}</wp:comment_author>")
                w(f"<wp:comment_author_email>{cdata('reader' + str(rng.randrange(500)) + '@mail.example')}</wp:comment_author_email>")
                w(f"<wp:comment_author_url>{cdata('')}</wp:comment_author_url>")
                w(f"<wp:comment_author_IP>{cdata('192.0.2.' + str(rng.randrange(1, 255)))}</wp:comment_author_IP>")
                w(f"<wp:comment_date>{cdata(at.strftime('%Y-%m-%d %H:%M:%S'))}</wp:comment_date>")
                w(f"<wp:comment_date_gmt>{cdata(at.strftime('%Y-%m-%d %H:%M:%S'))}</wp:comment_date_gmt>")
                w(f"<wp:comment_content>{cdata(sentence(rng, 18))}</wp:comment_content>")
                w(f"<wp:comment_approved>{cdata(approved)}</wp:comment_approved>")
                w(f"<wp:comment_type>{cdata('comment')}</wp:comment_type>")
                w(f"<wp:comment_parent>{parent}</wp:comment_parent><wp:comment_user_id>0</wp:comment_user_id>")
                w("</wp:comment>\n")
                comment_id += 1
            w("</item>\n")
        w("</channel>\n</rss>\n")


if __name__ == "__main__":
    main()
