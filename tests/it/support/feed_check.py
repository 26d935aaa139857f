"""Reads a feed from stdin the way feed readers do, and prints what they found, as JSON. The
first argument is the feed's Content-Type, as the server sent it.

XML feeds are parsed with lxml first, which refuses anything not well-formed; then with
feedparser, the parser most readers and aggregators share. `bozo` is feedparser's flag for a
feed it had to work around.
"""
import json
import sys

import feedparser
from lxml import etree

content_type = sys.argv[1] if len(sys.argv) > 1 else "application/xml"
data = sys.stdin.buffer.read()
if "json" not in content_type:
    etree.fromstring(data)  # raises on a feed that is not well-formed XML
parsed = feedparser.parse(data, response_headers={"content-type": content_type})
feed = parsed.feed


def entry(e):
    return {
        "id": e.get("id"),
        "title": e.get("title"),
        "link": e.get("link"),
        "published": e.get("published"),
        "updated": e.get("updated"),
        "authors": [a.get("name") for a in e.get("authors", [])],
        "tags": [t.get("term") for t in e.get("tags", [])],
        "summary": e.get("summary"),
        "content": [c.get("value") for c in e.get("content", [])],
        "enclosures": [x.get("href") for x in e.get("enclosures", [])],
        "media": [m.get("url") for m in e.get("media_content", [])],
    }


print(json.dumps({
    "bozo": bool(parsed.bozo),
    "bozo_exception": str(parsed.get("bozo_exception", "")),
    "version": parsed.version,
    "title": feed.get("title"),
    "link": feed.get("link"),
    "language": feed.get("language"),
    "links": [l.get("href") for l in feed.get("links", [])],
    "entries": [entry(e) for e in parsed.entries],
}))
