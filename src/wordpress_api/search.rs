//! `/wp/v2/search`: one list of what matches a search across posts and pages
//! (`type=post`) or sections and tags (`type=term`), as WordPress's block editor and headless
//! front ends use it to link content.

use serde_json::{Value, json};

use super::context::{Api, Reply, View, object};
use super::error::WpError;
use super::params::{Paging, Params};
use super::terms::{self, Taxonomy};
use crate::articles::query::{self, Cond, OrderBy, Query};
use crate::pages::service as pages;

const EMBEDDED: &[&str] = &["id", "title", "url", "type", "subtype"];

struct Hit {
    id: i64,
    title: String,
    url: String,
    kind: &'static str,
    subtype: &'static str,
    route: String,
}

pub async fn list(api: &Api, params: &mut Params) -> Result<Reply, WpError> {
    let view = View::read(params, "Sorry, you are not allowed to edit this search.")?;
    let paging = Paging::read(params, 100);
    let kind = params.choice("type", &["post", "term", "post-format"], "post");
    let subtypes = params.strings("subtype").unwrap_or_default();
    let words: Vec<String> = params
        .string("search")
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    params.check()?;
    let wants =
        |name: &str| subtypes.is_empty() || subtypes.iter().any(|s| s == "any" || s == name);
    let skip = paging.skip(false);
    let (hits, total) = match kind {
        "post" => {
            posts_and_pages(
                api,
                &words,
                wants("post"),
                wants("page"),
                skip,
                paging.per_page,
            )
            .await?
        }
        "term" => {
            let mut hits = Vec::new();
            for taxonomy in [Taxonomy::Category, Taxonomy::Tag] {
                if !wants(taxonomy.name()) {
                    continue;
                }
                for t in terms::terms(api, taxonomy, None).await? {
                    let name = t.name.to_lowercase();
                    if words.iter().all(|w| name.contains(&w.to_lowercase())) {
                        hits.push(Hit {
                            id: t.id,
                            title: t.name.clone(),
                            url: api.url(&t.path),
                            kind: "term",
                            subtype: taxonomy.name(),
                            route: format!("/wp/v2/{}/{}", taxonomy.rest_base(), t.id),
                        });
                    }
                }
            }
            paging.slice(hits, false, false, "rest_search_invalid_page_number")?
        }
        _ => (Vec::new(), 0),
    };
    if total > 0 && skip >= total {
        return Err(WpError::page_out_of_range(
            "rest_search_invalid_page_number",
        ));
    }
    let items = hits
        .iter()
        .map(|h| {
            let about = if h.kind == "term" {
                format!("/wp/v2/taxonomies/{}", h.subtype)
            } else {
                format!("/wp/v2/types/{}", h.subtype)
            };
            view.apply(
                object(json!({
                    "id": h.id,
                    "title": h.title,
                    "url": h.url,
                    "type": h.kind,
                    "subtype": h.subtype,
                    "_links": {
                        "self": api.embeddable(&h.route),
                        "about": api.link(&about),
                        "collection": api.link("/wp/v2/search"),
                    },
                })),
                EMBEDDED,
            )
        })
        .collect::<Vec<Value>>();
    Ok(Reply::page(items, total, paging))
}

/// Matching articles, newest first, then matching pages: one list paged as a whole.
async fn posts_and_pages(
    api: &Api,
    words: &[String],
    with_posts: bool,
    with_pages: bool,
    skip: i64,
    limit: i64,
) -> Result<(Vec<Hit>, i64), WpError> {
    let page_hits: Vec<Hit> = if with_pages {
        pages::all(&api.db)
            .await?
            .into_iter()
            .filter(|p| p.is_public(api.now))
            .filter(|p| {
                let text = format!("{} {}", p.title, p.body_html).to_lowercase();
                words.iter().all(|w| text.contains(&w.to_lowercase()))
            })
            .map(|p| Hit {
                id: p.id,
                url: api.url(&p.path()),
                title: p.title,
                kind: "post",
                subtype: "page",
                route: format!("/wp/v2/pages/{}", p.id),
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut hits = Vec::new();
    let mut post_total = 0;
    if with_posts {
        let query = Query {
            cond: Cond::Words(words.to_vec()),
            order: vec![(OrderBy::Published, true)],
            limit,
            offset: skip,
        };
        let found = query::find(&api.db, api.now, api.site.tz, &query).await?;
        post_total = found.total;
        hits.extend(found.stories.into_iter().map(|s| Hit {
            id: s.row.id,
            url: api.url(&s.path),
            title: s.row.headline,
            kind: "post",
            subtype: "post",
            route: format!("/wp/v2/posts/{}", s.row.id),
        }));
    }
    let room = usize::try_from(limit)
        .unwrap_or(0)
        .saturating_sub(hits.len());
    let pages_skip = usize::try_from((skip - post_total).max(0)).unwrap_or(0);
    let total = post_total + i64::try_from(page_hits.len()).unwrap_or(i64::MAX);
    hits.extend(page_hits.into_iter().skip(pages_skip).take(room));
    Ok((hits, total))
}
