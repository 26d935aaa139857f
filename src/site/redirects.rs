//! Old addresses that answer 301 with where their content is now: an article's earlier paths
//! (kept by the articles room, so they follow the article when it moves again), and any other
//! page's (a WordPress category, tag, author or date archive, kept here). Every page that would
//! answer 404 asks here first, so an old address of any shape is found wherever the router
//! sent it, and a request that a page answers never pays for the lookup.

use chrono_tz::Tz;

use super::store;
use crate::articles::service as articles;
use crate::db::{Db, Timestamp, Tx};
use crate::error::AppResult;

/// Keeps `path` (a path with an optional query, no trailing slash) answering with `target`.
pub async fn save_in(tx: &mut Tx, path: &str, target: &str, now: Timestamp) -> AppResult<()> {
    store::save_redirect(tx, path, target, now).await?;
    Ok(())
}

/// Points every old address that led to `from` at `to`, for content that moved again.
pub async fn retarget_in(tx: &mut Tx, from: &str, to: &str) -> AppResult<()> {
    store::retarget_redirects(tx, from, to).await?;
    Ok(())
}

/// Where the content once at `path` (with its query, if any) is now; never `path` itself. A WordPress feed address
/// (`…/feed/`, `…/feed/atom/`) leads to the feed of the page it belonged to, or to the article
/// for an article's comment feed.
pub async fn resolve(db: &Db, now: Timestamp, tz: Tz, path: &str) -> AppResult<Option<String>> {
    let key = key(path);
    let (page, feed) = match feed_of(&key) {
        Some(page) => (page, true),
        None => (key.as_str(), false),
    };
    if let Some(article) = articles::moved_article(db, now, tz, page).await? {
        return Ok(Some(article));
    }
    let Some(target) = store::redirect(db, page).await? else {
        return Ok(None);
    };
    let target = if feed {
        format!("{}/feed", target.trim_end_matches('/'))
    } else {
        target
    };
    // An old address kept the same as the new one (a WordPress tag's, whose slug stayed) only
    // moves its trailing-slash form; the address itself answers, or is gone.
    Ok((target != path).then_some(target))
}

/// The form old addresses are kept in: without the trailing slash of the path.
pub fn key(path: &str) -> String {
    let (p, query) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path, None),
    };
    let trimmed = p.trim_end_matches('/');
    let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
    match query {
        Some(q) => format!("{trimmed}?{q}"),
        None => trimmed.to_string(),
    }
}

/// The page a WordPress feed address belongs to: `/category/news/feed/atom` → `/category/news`.
fn feed_of(key: &str) -> Option<&str> {
    if key.contains('?') {
        return None;
    }
    let (before, last) = key.rsplit_once('/')?;
    let page = if last == "feed" {
        before
    } else {
        let (page, feed) = before.rsplit_once('/')?;
        (feed == "feed" && matches!(last, "rss" | "rss2" | "atom" | "rdf")).then_some(page)?
    };
    (!page.is_empty()).then_some(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_feeds() {
        assert_eq!(key("/category/news/"), "/category/news");
        assert_eq!(key("/"), "/");
        assert_eq!(key("/?p=12"), "/?p=12");
        assert_eq!(feed_of("/category/news/feed"), Some("/category/news"));
        assert_eq!(feed_of("/tag/x/feed/atom"), Some("/tag/x"));
        assert_eq!(feed_of("/feed"), None);
        assert_eq!(feed_of("/a/b"), None);
    }
}
