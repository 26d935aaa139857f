//! What a newsletter digest gathers: the articles published in a window from its sections and
//! tags, and their cards.

use sqlx::AssertSqlSafe;

use crate::db::{Db, Timestamp, placeholders};
use crate::with_db;

/// Ids of articles published in `[from, until)` in any of `sections` (or their children) or
/// with any of `tags`, newest first.
pub async fn published_in_sources(
    db: &Db,
    from: Timestamp,
    until: Timestamp,
    sections: &[i64],
    tags: &[i64],
    limit: i64,
) -> sqlx::Result<Vec<i64>> {
    if sections.is_empty() && tags.is_empty() {
        return Ok(Vec::new());
    }
    let mut sources = Vec::new();
    if !sections.is_empty() {
        let list = placeholders(4, sections.len());
        sources.push(format!(
            "a.section_id IN (SELECT id FROM sections WHERE id IN ({list}) OR parent_id IN ({list}))"
        ));
    }
    if !tags.is_empty() {
        let list = placeholders(4 + sections.len(), tags.len());
        sources.push(format!(
            "a.id IN (SELECT article_id FROM article_tags WHERE tag_id IN ({list}))"
        ));
    }
    let sql = format!(
        "SELECT a.id FROM articles a WHERE a.status = 'published' AND a.published_at >= $1 \
         AND a.published_at < $2 AND ({}) ORDER BY a.published_at DESC, a.id DESC LIMIT $3",
        sources.join(" OR ")
    );
    with_db!(db, p => {
        let mut q = sqlx::query_scalar(AssertSqlSafe(sql.as_str())).bind(from).bind(until).bind(limit);
        for id in sections.iter().chain(tags) {
            q = q.bind(*id);
        }
        q.fetch_all(p).await
    })
}
