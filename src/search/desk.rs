//! The editors' article list searches the same index as readers, with every status and each
//! role's visibility (an author sees only their own articles): the list's filters become the
//! query's filters, and the rows come back in order of relevance. Without words to search for,
//! or while this node's index is being built, the list comes from the database as before.

use super::index::SearchIndex;
use super::service::{self, Audience, Filters, Request, Sort};
use crate::articles::service::{self as articles, AdminFilter, AdminPage};
use crate::db::{Db, Timestamp};
use crate::error::{AppError, AppResult};
use crate::site::settings::DEFAULT_SEARCH_RECENCY;

pub async fn article_list(
    db: &Db,
    index: &SearchIndex,
    now: Timestamp,
    filter: &AdminFilter,
    page: i64,
    per_page: i64,
) -> AppResult<AdminPage> {
    let Some(words) = filter.headline.as_deref().filter(|w| !w.trim().is_empty()) else {
        return articles::admin_list(db, filter, page, per_page).await;
    };
    let per_page = usize::try_from(per_page.max(1)).unwrap_or(1);
    let last_page = service::MAX_RESULTS / per_page;
    let page = usize::try_from(page)
        .unwrap_or(1)
        .clamp(1, last_page.max(1));
    let request = Request {
        query: words.to_string(),
        filters: Filters {
            section: filter.section_id,
            author: filter.author_id,
            tag: filter.tag_id,
            from: None,
            until: None,
        },
        audience: Audience::Desk {
            status: filter.status.clone(),
            owner: filter.created_by,
        },
        sort: Sort::Relevance,
        offset: (page - 1) * per_page,
        limit: per_page,
        recency: f64::from(DEFAULT_SEARCH_RECENCY) / 100.0,
        now,
    };
    let results = match service::search(index, request).await {
        Err(AppError::NotReady(_)) => {
            return articles::admin_list(db, filter, page as i64, per_page as i64).await;
        }
        other => other?,
    };
    let ids: Vec<i64> = results.hits.iter().map(|h| h.id).collect();
    let total_pages = results.total.div_ceil(per_page).clamp(1, last_page.max(1));
    Ok(AdminPage {
        rows: articles::admin_rows_in_order(db, &ids).await?,
        page: page as i64,
        total_pages: total_pages as i64,
        total: results.total as i64,
    })
}
