"""Validates a sitemap (or sitemap index) read from stdin against the sitemaps.org schema and
Google's image and news extensions, without the network. Arguments: `sitemap` or `siteindex`,
the folder of the sitemaps.org schemas, the folder of the extension schemas. Prints `valid`, or
the validator's errors and exits with 1.
"""
import pathlib
import sys

from lxml import etree

kind, sitemaps_org, extensions = sys.argv[1:4]


def uri(folder, name):
    return pathlib.Path(folder, name).resolve().as_uri()


driver = f"""<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema">
<xsd:import namespace="http://www.sitemaps.org/schemas/sitemap/0.9" schemaLocation="{uri(sitemaps_org, kind + '.xsd')}"/>
<xsd:import namespace="http://www.google.com/schemas/sitemap-image/1.1" schemaLocation="{uri(extensions, 'image.xsd')}"/>
<xsd:import namespace="http://www.google.com/schemas/sitemap-news/0.9" schemaLocation="{uri(extensions, 'news.xsd')}"/>
</xsd:schema>"""
schema = etree.XMLSchema(etree.fromstring(driver.encode()))
document = etree.fromstring(sys.stdin.buffer.read())
if not schema.validate(document):
    print(schema.error_log)
    sys.exit(1)
print("valid")
