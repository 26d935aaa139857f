//! The WordPress REST API beside the real thing: one export (WordPress's own importer test
//! data) is imported into the reference WordPress (`../shared/tools/wordpress`) and into
//! Broadsheet, the same routes are requested from both, and the JSON is compared item by item
//! (matched by slug): posts, pages and authors keep their WordPress ids, every key WordPress sends is there
//! with the same type, and every value is the same except the differences
//! `docs/api-compatibility.md` lists, which are named here.

use std::collections::BTreeMap;
use std::process::Command;

use broadsheet::import::service::{self, Options};
use serde_json::Value;

use crate::db_tests;
use crate::support::TestApp;
use crate::support::helpers::available;
use crate::wordpress_round_trip::{Quiet, WORDPRESS, wordpress_answers, wp};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/fixtures/wxr/wordpress-importer/small-export.xml"
);

fn wordpress(path: &str) -> Value {
    let out = Command::new("curl")
        .args(["-s", &format!("http://127.0.0.1:8390/wp-json{path}")])
        .output()
        .expect("curl runs");
    serde_json::from_slice(&out.stdout).expect("WordPress answers JSON")
}

async fn ours(app: &TestApp, path: &str) -> Value {
    let r = app.get(&format!("/wp-json{path}")).await;
    serde_json::from_slice(&r.bytes).unwrap_or_else(|_| panic!("{path}: {}", r.text()))
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Text as it reads: tags dropped, entities decoded, WordPress's typographic quotes, dashes and
/// ellipses made plain, whitespace collapsed.
fn normalised(html: &str) -> String {
    let html = numeric_entities_decoded(html).replace("<br />", "<br>");
    let mut text = broadsheet::articles::body::plain_text(&html);
    for (fancy, plain) in [
        ('\u{201c}', "\""),
        ('\u{201d}', "\""),
        ('\u{2018}', "'"),
        ('\u{2019}', "'"),
        ('\u{2013}', "-"),
        ('\u{2014}', "-"),
        ('\u{2026}', "..."),
    ] {
        text = text.replace(fancy, plain);
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `&#8217;` and `&#x27;` as the characters they name.
fn numeric_entities_decoded(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find("&#") {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 2..];
        let end = tail.find(';').filter(|e| *e <= 8);
        let code = end.and_then(|e| match tail[..e].strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => tail[..e].parse().ok(),
        });
        match (end, code.and_then(char::from_u32)) {
            (Some(e), Some(c)) => {
                out.push(c);
                rest = &tail[e + 1..];
            }
            _ => {
                out.push_str("&#");
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

/// What may differ, by field path: addresses and ids (each side numbers its own), and what
/// Broadsheet does not model (pingbacks, post formats, page templates, page authors).
struct Rules {
    differ: &'static [&'static str],
    /// Fields holding ids of other items, compared through the slugs they name.
    references: &'static [(&'static str, &'static str)],
}

struct Comparison<'a> {
    problems: Vec<String>,
    slugs: &'a BTreeMap<(&'static str, i64), String>,
}

impl Comparison<'_> {
    fn item(&mut self, label: &str, theirs: &Value, mine: &Value, rules: &Rules, path: &str) {
        let (Some(theirs), Some(mine)) = (theirs.as_object(), mine.as_object()) else {
            return;
        };
        for (key, value) in theirs {
            let here = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            if key == "_links" || key == "_embedded" {
                continue;
            }
            let Some(other) = mine.get(key) else {
                self.problems.push(format!("{label}: {here} is missing"));
                continue;
            };
            if kind(value) != kind(other) && !value.is_null() && !other.is_null() {
                self.problems.push(format!(
                    "{label}: {here} is {} where WordPress has {}",
                    kind(other),
                    kind(value)
                ));
                continue;
            }
            if let Some((_, space)) = rules.references.iter().find(|(f, _)| *f == here) {
                let names = |v: &Value| -> Vec<String> {
                    let ids: Vec<i64> = match v {
                        Value::Array(a) => a.iter().filter_map(Value::as_i64).collect(),
                        other => other.as_i64().into_iter().collect(),
                    };
                    ids.iter()
                        .map(|id| {
                            self.slugs
                                .get(&(*space, *id))
                                .cloned()
                                .unwrap_or(format!("#{id}"))
                        })
                        .collect()
                };
                let (mut want, got) = (names(value), names(other));
                let named = !want.is_empty();
                if here == "tags" {
                    // A post's categories beyond the first become tags.
                    let categories = theirs.get("categories").cloned().unwrap_or_default();
                    want.extend(
                        categories
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_i64)
                            .filter_map(|id| self.slugs.get(&("categories", id)).cloned()),
                    );
                }
                if !got.iter().all(|g| want.contains(g)) || (got.is_empty() && named) {
                    self.problems.push(format!(
                        "{label}: {here} names {got:?} where WordPress names {want:?}"
                    ));
                }
                continue;
            }
            if rules.differ.contains(&here.as_str()) {
                continue;
            }
            let differs = match (value, other) {
                (Value::Object(_), Value::Object(_)) => {
                    self.item(label, value, other, rules, &here);
                    false
                }
                // Rendered HTML is compared as the text it reads.
                (Value::String(a), Value::String(b)) if here.ends_with("rendered") => {
                    normalised(a) != normalised(b)
                }
                _ => value != other,
            };
            if differs {
                self.problems.push(format!(
                    "{label}: {here} is {other} where WordPress has {value}"
                ));
            }
        }
    }
}

const POSTS: Rules = Rules {
    differ: &["id", "guid", "link", "ping_status", "format"],
    references: &[
        ("author", "users"),
        ("categories", "categories"),
        ("tags", "tags"),
    ],
};
const PAGES: Rules = Rules {
    differ: &[
        "id",
        "guid",
        "link",
        "ping_status",
        "comment_status",
        "template",
        "author",
        "modified",
        "modified_gmt",
    ],
    references: &[("parent", "pages")],
};
const CATEGORIES: Rules = Rules {
    differ: &["id", "link", "count"],
    references: &[("parent", "categories")],
};
const TAGS: Rules = Rules {
    differ: &["id", "link"],
    references: &[],
};
const USERS: Rules = Rules {
    differ: &["id", "link", "url", "avatar_urls"],
    references: &[],
};
const COMMENTS: Rules = Rules {
    differ: &["id", "link", "author_avatar_urls"],
    references: &[("post", "posts"), ("parent", "comments")],
};

db_tests! {
    async fn the_api_answers_as_wordpress_does_for_the_same_site(app) {
        if !available(
            wordpress_answers(),
            "CI must set up the reference WordPress (../shared/tools/wordpress/setup.sh)",
            "the reference WordPress does not answer; run ../shared/tools/wordpress/setup.sh",
        ) {
            return;
        }
        let _turn = WORDPRESS.lock().await;
        wp(&["reset"]);
        wp(&["import", FIXTURE]);
        let options = Options { uploads: None, fetch_media: None, create_accounts: false, dry_run: false };
        service::run(&app.db, &app.clock, &app.state.media, FIXTURE.as_ref(), &options, &Quiet)
            .await
            .expect("the export imports");

        let routes: [(&'static str, &str, &str, &Rules); 6] = [
            ("posts", "/wp/v2/posts?per_page=100", "slug", &POSTS),
            ("pages", "/wp/v2/pages?per_page=100", "slug", &PAGES),
            ("categories", "/wp/v2/categories?per_page=100", "slug", &CATEGORIES),
            ("tags", "/wp/v2/tags?per_page=100", "slug", &TAGS),
            ("users", "/wp/v2/users?per_page=100", "slug", &USERS),
            ("comments", "/wp/v2/comments?per_page=100", "author_name", &COMMENTS),
        ];
        let mut answers = Vec::new();
        let mut slugs: BTreeMap<(&'static str, i64), String> = BTreeMap::new();
        for (space, path, key, _) in routes {
            let (theirs, mine) = (wordpress(path), ours(app, path).await);
            for (side, list) in [(0, &theirs), (1, &mine)] {
                for item in list.as_array().unwrap_or_else(|| panic!("{path}: {list}")) {
                    let name = item[key].as_str().unwrap_or("").to_string();
                    // Both sides number their own items: ours are told apart by sign.
                    let id = item["id"].as_i64().unwrap();
                    slugs.insert((space, if side == 0 { id } else { -id }), name);
                }
            }
            answers.push((theirs, mine));
        }
        for ((space, _), name) in slugs.iter_mut() {
            if *space == "categories" && name == "uncategorized" {
                *name = "news".into();
            }
        }
        let negated = |v: &Value| negate_ids(v);
        let mut comparison = Comparison { problems: Vec::new(), slugs: &slugs };
        for ((space, path, key, rules), (theirs, mine)) in routes.iter().zip(&answers) {
            let mine: Vec<Value> = mine.as_array().unwrap().iter().map(negated).collect();
            for item in theirs.as_array().unwrap() {
                let mut name = item[*key].as_str().unwrap_or("").to_string();
                if *space == "categories" && name == "uncategorized" {
                    name = "news".into();
                }
                let Some(found) = mine.iter().find(|m| m[*key].as_str() == Some(name.as_str())) else {
                    comparison.problems.push(format!("{path}: {name} is missing"));
                    continue;
                };
                if ["posts", "pages", "users"].contains(space) {
                    // Imported into an empty site, posts, pages and authors keep their ids (so do
                    // terms and comments, but WordPress's own importer renumbers those).
                    let (theirs, mine) = (item["id"].as_i64(), found["id"].as_i64().map(|n| -n));
                    if theirs != mine {
                        comparison.problems.push(format!("{space}/{name}: id {mine:?} where WordPress has {theirs:?}"));
                    }
                }
                let mut item = item.clone();
                if name == "news" {
                    // Uncategorized is Broadsheet's News section.
                    item["name"] = found["name"].clone();
                    item["slug"] = found["slug"].clone();
                }
                comparison.item(&format!("{space}/{name}"), &item, found, rules, "");
            }
        }
        assert!(comparison.problems.is_empty(), "{}", comparison.problems.join("\n"));

        let (theirs, mine) = (wordpress("/"), ours(app, "/").await);
        for key in theirs.as_object().unwrap().keys() {
            assert!(mine.get(key).is_some(), "the index lacks {key}");
        }
        for path in ["/wp/v2/types/post", "/wp/v2/taxonomies/category", "/wp/v2/statuses/publish", "/wp/v2/posts/999999", "/wp/v2/posts?per_page=1000", "/wp/v2/nowhere"] {
            let (theirs, mine) = (wordpress(path), ours(app, path).await);
            let mut c = Comparison { problems: Vec::new(), slugs: &slugs };
            c.item(path, &theirs, &mine, &Rules { differ: &[], references: &[] }, "");
            assert!(c.problems.is_empty(), "{}", c.problems.join("\n"));
        }
    }
}

/// Our ids (and the ids our items refer to) made negative, to tell them from WordPress's.
fn negate_ids(item: &Value) -> Value {
    let mut item = item.clone();
    if let Some(map) = item.as_object_mut() {
        for key in ["id", "author", "parent", "post", "categories", "tags"] {
            if let Some(v) = map.get_mut(key) {
                match v {
                    Value::Array(ids) => {
                        for id in ids.iter_mut() {
                            if let Some(n) = id.as_i64() {
                                *id = Value::from(-n);
                            }
                        }
                    }
                    other => {
                        if let Some(n) = other.as_i64().filter(|n| *n != 0) {
                            *other = Value::from(-n);
                        }
                    }
                }
            }
        }
    }
    item
}
