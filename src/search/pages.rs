//! The reader's results page, `/search?q=`: a real form that works without JavaScript, results
//! with their section, date, byline and the passage that matched, filters, sorting, pages, and
//! a useful page when nothing matches. Never indexed by search engines; kept by the page cache
//! only under its exact query (see [`crate::web::page_key::search_key`]).

use axum::extract::{OriginalUri, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::SEARCH_PATH;
use super::service::{self, Audience, Filters, Marked, Request, Results, Sort};
use crate::articles::CardView;
use crate::articles::service as articles;
use crate::articles::service::Byline;
use crate::cache::{Shows, Tag};
use crate::db::Timestamp;
use crate::error::{AppError, PageResult};
use crate::site::layout::{self, Meta};
use crate::state::AppState;
use crate::templates::escape_html_into;
use crate::web::Page;
use crate::web::page_key::search_key;
use crate::web::query::page_number;

/// Results on a page.
const PER_PAGE: usize = 10;

#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    section: Option<String>,
    author: Option<String>,
    tag: Option<String>,
    from: Option<String>,
    to: Option<String>,
    sort: Option<String>,
    page: Option<String>,
}

#[derive(Serialize)]
struct Choice {
    value: String,
    name: String,
    selected: bool,
}

#[derive(Serialize)]
struct Link {
    text: String,
    url: String,
}

#[derive(Serialize)]
struct ResultView<'a> {
    card: &'a CardView,
    headline_html: String,
    snippet_html: String,
    bylines: &'a [Byline],
}

#[derive(Serialize)]
struct SearchView<'a> {
    q: String,
    searched: bool,
    total: usize,
    count_label: String,
    results: Vec<ResultView<'a>>,
    suggestion: Option<Link>,
    sections: Vec<Choice>,
    newest: bool,
    from: String,
    to: String,
    /// Filters in force that the form does not show (author, tag), each with a link without it.
    narrowed_by: Vec<Link>,
    page: usize,
    total_pages: usize,
    prev: Option<String>,
    next: Option<String>,
}

pub async fn search(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Query(params): Query<SearchQuery>,
) -> PageResult<Response> {
    let site = layout::layout(&state).await?;
    let tz = site.site.tz;
    let q = super::query::normalise(params.q.as_deref().unwrap_or(""));
    let page = usize::try_from(page_number(params.page.as_deref())?).unwrap_or(usize::MAX);
    let sections = &site.sections;
    let section = params
        .section
        .as_deref()
        .and_then(|slug| sections.iter().find(|s| s.slug == slug));
    let author = match params.author.as_deref().filter(|s| !s.is_empty()) {
        Some(slug) => articles::author_by_slug(&state.db, slug).await?,
        None => None,
    };
    let tag = match params.tag.as_deref().filter(|s| !s.is_empty()) {
        Some(slug) => articles::tag_by_slug(&state.db, slug).await?,
        None => None,
    };
    let from = params.from.as_deref().and_then(|d| day_start(d, tz, 0));
    let until = params.to.as_deref().and_then(|d| day_start(d, tz, 1));
    let newest = params.sort.as_deref() == Some("newest");
    let request = Request {
        query: q.clone(),
        filters: Filters {
            section: section.map(|s| s.id),
            author: author.as_ref().map(|a| a.id),
            tag: tag.as_ref().map(|t| t.id),
            from,
            until: until.map(|t| t.plus_seconds(-1)),
        },
        audience: Audience::Readers,
        sort: if newest {
            Sort::Newest
        } else {
            Sort::Relevance
        },
        offset: (page - 1).saturating_mul(PER_PAGE),
        limit: PER_PAGE,
        recency: f64::from(site.site.search_recency) / 100.0,
        now: state.clock.now(),
    };
    let results = if q.is_empty() {
        Results::default()
    } else {
        service::search(&state.search.index, request).await?
    };
    let total_pages = results
        .total
        .div_ceil(PER_PAGE)
        .clamp(1, service::MAX_RESULTS / PER_PAGE);
    if page > total_pages {
        return Err(AppError::not_found(format!(
            "there is no page {page} of these results; the last is {total_pages}"
        ))
        .into());
    }
    let ids: Vec<i64> = results.hits.iter().map(|h| h.id).collect();
    let found = articles::found(&state.db, &state.found_cards, state.clock.now(), tz, &ids).await?;
    let views = found
        .iter()
        .filter_map(|f| {
            let hit = results.hits.iter().find(|h| h.id == f.id)?;
            Some(ResultView {
                card: &f.card,
                headline_html: marked_html(&hit.headline),
                snippet_html: marked_html(&hit.snippet),
                bylines: &f.bylines,
            })
        })
        .collect();
    let link = |changes: &[(&str, Option<&str>)]| results_url(&params, &q, changes);
    let page_link = |n: usize| link(&[("page", (n > 1).then_some(n.to_string()).as_deref())]);
    let mut narrowed_by = Vec::new();
    if let Some(a) = &author {
        narrowed_by.push(Link {
            text: format!("By {}", a.name),
            url: link(&[("author", None), ("page", None)]),
        });
    }
    if let Some(t) = &tag {
        narrowed_by.push(Link {
            text: format!("Topic: {}", t.name),
            url: link(&[("tag", None), ("page", None)]),
        });
    }
    let view = SearchView {
        searched: results.searched,
        total: results.total,
        count_label: count_label(results.total, results.total_estimated),
        suggestion: results.suggestion.map(|s| Link {
            url: link(&[("q", Some(&s)), ("page", None)]),
            text: s,
        }),
        results: views,
        sections: sections
            .iter()
            .map(|s| Choice {
                value: s.slug.clone(),
                name: s.name.clone(),
                selected: section.is_some_and(|c| c.id == s.id),
            })
            .collect(),
        newest,
        from: params
            .from
            .clone()
            .filter(|_| from.is_some())
            .unwrap_or_default(),
        to: params
            .to
            .clone()
            .filter(|_| until.is_some())
            .unwrap_or_default(),
        narrowed_by,
        page,
        total_pages,
        prev: (page > 1).then(|| page_link(page - 1)),
        next: (page < total_pages).then(|| page_link(page + 1)),
        q: q.clone(),
    };
    let meta = Meta {
        title: if q.is_empty() {
            "Search".into()
        } else {
            format!("Search: {q}")
        },
        noindex: true,
        ..Meta::default()
    };
    let path = link(&[]);
    let html = layout::render_with(&state, &site, "search.html", &path, meta, &view)?;
    Ok(Page {
        html,
        last_modified: None,
        key: search_key(&uri).map(|k| k.into_owned()),
        // Every change to the index reaches its results, headlines and snippets included.
        shows: Shows::only([Tag::SEARCH]),
    }
    .into_response())
}

/// The start of a day given as YYYY-MM-DD in the site's zone, `days` later.
fn day_start(date: &str, tz: Tz, days: i64) -> Option<Timestamp> {
    let day = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok()?;
    let day = day.checked_add_signed(chrono::Duration::days(days))?;
    let local = day
        .and_hms_opt(0, 0, 0)?
        .and_local_timezone(tz)
        .earliest()?;
    Some(Timestamp::from_datetime(local.with_timezone(&chrono::Utc)))
}

/// "1,234 results", or "About 12,000 results" for an estimate.
fn count_label(total: usize, estimated: bool) -> String {
    let digits = total.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let noun = if total == 1 { "result" } else { "results" };
    if estimated {
        format!("About {grouped} {noun}")
    } else {
        format!("{grouped} {noun}")
    }
}

/// The results page for the same search with `changes` applied (`None` removes a parameter).
fn results_url(params: &SearchQuery, q: &str, changes: &[(&str, Option<&str>)]) -> String {
    let current = [
        ("q", Some(q).filter(|q| !q.is_empty())),
        ("section", params.section.as_deref()),
        ("author", params.author.as_deref()),
        ("tag", params.tag.as_deref()),
        ("from", params.from.as_deref()),
        ("to", params.to.as_deref()),
        ("sort", params.sort.as_deref()),
        ("page", params.page.as_deref()),
    ];
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in current {
        let value = changes
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(value, |(_, v)| *v);
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            query.append_pair(name, v);
        }
    }
    let query = query.finish();
    if query.is_empty() {
        SEARCH_PATH.to_string()
    } else {
        format!("{SEARCH_PATH}?{query}")
    }
}

/// `marked` as HTML: the text escaped, the matches in `<mark>`, an ellipsis where it was cut.
fn marked_html(marked: &Marked) -> String {
    let text = &marked.text;
    let mut html = String::with_capacity(text.len() + 16 * marked.marks.len());
    if marked.cut_before {
        html.push('…');
    }
    let mut at = 0;
    for range in &marked.marks {
        let (Some(before), Some(word)) = (text.get(at..range.start), text.get(range.clone()))
        else {
            continue;
        };
        escape_html_into(before, &mut html);
        html.push_str("<mark>");
        escape_html_into(word, &mut html);
        html.push_str("</mark>");
        at = range.end;
    }
    escape_html_into(text.get(at..).unwrap_or(""), &mut html);
    if marked.cut_after {
        html.push('…');
    }
    html
}

#[cfg(test)]
mod tests {
    use super::{count_label, marked_html};
    use crate::search::service::Marked;

    #[test]
    fn marks_are_escaped_and_wrapped() {
        let m = Marked {
            text: "<b>Harbour</b> & docks".into(),
            marks: std::iter::once(3..10).collect(),
            cut_before: true,
            cut_after: false,
        };
        assert_eq!(
            marked_html(&m),
            "…&lt;b&gt;<mark>Harbour</mark>&lt;/b&gt; &amp; docks"
        );
    }

    #[test]
    fn counts_are_grouped() {
        assert_eq!(count_label(1, false), "1 result");
        assert_eq!(count_label(0, false), "0 results");
        assert_eq!(count_label(1234567, false), "1,234,567 results");
        assert_eq!(count_label(12000, true), "About 12,000 results");
    }
}
