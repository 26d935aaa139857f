use std::io::BufReader;

use super::*;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/fixtures/wxr/wordpress-importer/"
);

/// Every entry of a fixture, or the reader's error.
fn read(name: &str) -> Option<Result<(Site, Vec<Entry>), WxrError>> {
    let file = std::fs::File::open(format!("{FIXTURES}{name}")).ok()?;
    let mut reader = WxrReader::new(BufReader::new(file));
    let mut entries = Vec::new();
    loop {
        match reader.next_entry() {
            Ok(Some(e)) => entries.push(e),
            Ok(None) => return Some(Ok((reader.site().clone(), entries))),
            Err(e) => return Some(Err(e)),
        }
    }
}

fn items(entries: &[Entry]) -> Vec<&Item> {
    entries
        .iter()
        .filter_map(|e| match e {
            Entry::Item(i) => Some(i),
            _ => None,
        })
        .collect()
}

#[test]
fn every_fixture_reads_or_is_refused_with_where_and_why() {
    let Ok(dir) = std::fs::read_dir(FIXTURES) else {
        eprintln!("skipped: the WordPress fixtures are not at {FIXTURES}");
        return;
    };
    let mut names: Vec<String> = dir
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".xml"))
        .collect();
    names.sort();
    let refused = [
        "invalid-version-tag.xml",
        "malformed-simple.xml",
        "malformed.xml",
        "missing-version-tag.xml",
    ];
    for name in &names {
        let outcome = read(name).unwrap();
        if refused.contains(&name.as_str()) {
            let error = outcome.expect_err(name);
            assert!(error.line > 1, "{name}: {error}");
            eprintln!("{name}: {error}");
        } else {
            let (site, _) = outcome.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(VERSIONS.contains(&site.version.as_str()), "{name}");
        }
    }
    assert!(names.len() >= 35);
}

#[test]
fn the_theme_unit_test_export_reads_whole() {
    let Some(outcome) = read("theme-unit-test-data.xml") else {
        return;
    };
    let (site, entries) = outcome.unwrap();
    assert_eq!(site.version, "1.2");
    assert_eq!(site.base_blog_url, "https://wpthemetestdata.wordpress.com");
    let items = items(&entries);
    assert_eq!(items.len(), 186);
    let authors = entries
        .iter()
        .filter(|e| matches!(e, Entry::Author(_)))
        .count();
    assert!(authors >= 1);
    let comments: usize = items.iter().map(|i| i.comments.len()).sum();
    assert!(comments > 20, "{comments}");
    let threaded = items
        .iter()
        .flat_map(|i| &i.comments)
        .filter(|c| c.fields.get("wp:comment_parent") != "0")
        .count();
    assert!(threaded > 5, "replies keep their parent: {threaded}");
    let post = items
        .iter()
        .find(|i| i.fields.get("title") == "Markup: HTML Tags and Formatting")
        .unwrap();
    assert_eq!(post.fields.get("wp:post_type"), "post");
    assert!(
        post.fields
            .get("content:encoded")
            .contains("<h1>Header one</h1>")
    );
    assert!(post.terms.iter().any(|t| t.domain == "category"));
    assert!(
        items
            .iter()
            .any(|i| i.meta.iter().any(|(k, _)| k == "_thumbnail_id"))
    );
}

#[test]
fn namespaces_decide_not_prefixes() {
    let Some(outcome) = read("namespace-edge-cases.xml") else {
        return;
    };
    let (_, entries) = outcome.unwrap();
    let logins: Vec<&str> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Author(f) => Some(f.get("wp:author_login")),
            _ => None,
        })
        .collect();
    assert!(
        logins.contains(&"real_user") && logins.contains(&"version_conflict"),
        "{logins:?}"
    );
    assert!(
        !logins.contains(&"fake_ns_user") && !logins.contains(&"custom_user"),
        "{logins:?}"
    );
    let first = items(&entries)[0];
    assert_eq!(first.fields.get("wp:post_id"), "1");
    assert!(first.meta.iter().any(|(k, _)| k == "normal_key"));
    assert!(!first.meta.iter().any(|(k, _)| k == "malicious_key"));
}

#[test]
fn cdata_and_entities_come_out_as_written() {
    let xml = r#"<?xml version="1.0"?><rss xmlns:wp="http://wordpress.org/export/1.2/" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><wp:wxr_version>1.2</wp:wxr_version>
<item><title>A &amp; B &#8211; &nbsp;</title><content:encoded><![CDATA[<p>x]]]]><![CDATA[>y</p>]]></content:encoded>
<wp:comment><wp:comment_id>5</wp:comment_id><wp:commentmeta><wp:meta_key>k</wp:meta_key><wp:meta_value>v</wp:meta_value></wp:commentmeta></wp:comment></item></channel></rss>"#;
    let mut reader = WxrReader::new(xml.as_bytes());
    let Some(Entry::Item(item)) = reader.next_entry().unwrap() else {
        panic!("an item");
    };
    assert_eq!(item.fields.get("title"), "A & B – &nbsp;");
    assert_eq!(item.fields.get("content:encoded"), "<p>x]]>y</p>");
    assert_eq!(item.comments[0].fields.get("wp:comment_id"), "5");
    assert_eq!(
        item.comments[0].meta,
        vec![("k".to_string(), "v".to_string())]
    );
    assert_eq!(reader.next_entry().unwrap(), None);
}

#[test]
fn a_broken_export_says_where() {
    let xml = "<rss xmlns:wp=\"http://wordpress.org/export/1.2/\"><channel>\n<wp:wxr_version>1.2</wp:wxr_version>\n<item><title>x</item>";
    let error = WxrReader::new(xml.as_bytes()).next_entry().unwrap_err();
    assert_eq!(error.line, 3, "{error}");
    assert!(error.message.contains("malformed"), "{error}");
    let wrong = WxrReader::new("<html><body>hi</body></html>".as_bytes())
        .next_entry()
        .unwrap_err();
    assert!(wrong.message.contains("not a WordPress export"), "{wrong}");
}

#[test]
fn a_gzipped_export_reads_the_same() {
    let Ok(xml) = std::fs::read(format!("{FIXTURES}valid-wxr-1.1.xml")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("export.xml");
    let gz = dir.path().join("export.xml.gz");
    std::fs::write(&plain, &xml).unwrap();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut encoder, &xml).unwrap();
    std::fs::write(&gz, encoder.finish().unwrap()).unwrap();
    let all = |path: &std::path::Path| {
        let mut reader = open(path).unwrap();
        let mut entries = Vec::new();
        while let Some(e) = reader.next_entry().unwrap() {
            entries.push(e);
        }
        entries
    };
    let entries = all(&plain);
    assert_eq!(items(&entries).len(), 2);
    assert_eq!(all(&gz), entries);
}

#[test]
fn the_serialised_meta_of_every_fixture_reads() {
    use crate::import::php;
    let mut read_values = 0;
    for name in [
        "test-serialized-postmeta-with-cdata.xml",
        "test-serialized-postmeta-no-cdata.xml",
        "test-serialized-comment-meta.xml",
        "test-utw-post-meta-import.xml",
        "theme-unit-test-data.xml",
    ] {
        let Some(outcome) = read(name) else {
            return;
        };
        let (_, entries) = outcome.unwrap();
        for item in items(&entries) {
            let comment_meta = item.comments.iter().flat_map(|c| &c.meta);
            for (key, value) in item.meta.iter().chain(comment_meta) {
                if php::is_serialized(value) {
                    php::unserialize(value).unwrap_or_else(|e| panic!("{name} {key}: {e}"));
                    read_values += 1;
                }
            }
        }
    }
    assert!(read_values >= 5, "{read_values}");
}

/// An export of `items` (title, content, meta key and value) as WordPress writes one: titles
/// escaped, contents in CDATA with `]]>` split across sections.
fn export_of(items: &[(String, String, String, String)]) -> String {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let cdata = |s: &str| format!("<![CDATA[{}]]>", s.replace("]]>", "]]]]><![CDATA[>"));
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Site</title><wp:wxr_version>1.2</wp:wxr_version>"#,
    );
    for (i, (title, content, key, value)) in items.iter().enumerate() {
        xml.push_str(&format!(
            "\n<item><title>{}</title><content:encoded>{}</content:encoded><wp:post_id>{}</wp:post_id><wp:postmeta><wp:meta_key>{}</wp:meta_key><wp:meta_value>{}</wp:meta_value></wp:postmeta></item>",
            escape(title),
            cdata(content),
            i + 1,
            escape(key),
            cdata(value)
        ));
    }
    xml.push_str("\n</channel></rss>\n");
    xml
}

fn read_all(bytes: &[u8]) -> Result<Vec<Entry>, WxrError> {
    let mut reader = WxrReader::new(bytes);
    let mut entries = Vec::new();
    while let Some(entry) = reader.next_entry()? {
        entries.push(entry);
    }
    Ok(entries)
}

fn wxr_items() -> impl proptest::strategy::Strategy<Value = Vec<(String, String, String, String)>> {
    let text = "([a-zA-Z0-9 é–'\"&<>]|]]>){0,30}";
    proptest::collection::vec(
        (
            "[a-zA-Z0-9é–'\"&<>][a-zA-Z0-9 é–'\"&<>]{0,20}[a-zA-Z0-9é–'\"&<>]",
            "(\\PC|]]>|\n){0,80}",
            "[a-z_]{1,10}",
            text,
        ),
        0..5,
    )
}

proptest::proptest! {
    /// Items written as WordPress writes them read back exactly; the same export cut short or
    /// with a byte changed reads or is refused with a line, never a panic.
    #[test]
    fn exports_round_trip_and_damage_is_refused(written in wxr_items(), cut in 0usize..4000, at in 0usize..4000, byte in proptest::num::u8::ANY) {
        let xml = export_of(&written);
        let entries = read_all(xml.as_bytes()).map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
        let read = items(&entries);
        proptest::prop_assert_eq!(read.len(), written.len());
        for (item, (title, content, key, value)) in read.iter().zip(&written) {
            proptest::prop_assert_eq!(item.fields.get("title"), title.as_str());
            proptest::prop_assert_eq!(item.fields.get("content:encoded"), content.as_str());
            proptest::prop_assert_eq!(&item.meta, &vec![(key.clone(), value.clone())]);
        }
        let bytes = xml.as_bytes();
        let _ = read_all(&bytes[..cut.min(bytes.len())]);
        let mut changed = bytes.to_vec();
        let at = at % changed.len();
        changed[at] = byte;
        if let Err(error) = read_all(&changed) {
            proptest::prop_assert!(error.line >= 1, "{}", error);
        }
    }
}
