//! SQL for comments and the spam classifier's counts. Private to the comments room.
//!
//! Every value is a bound parameter. The one statement assembled at run time is the classifier's
//! token lookup, whose `IN` list is a run of numbered placeholders, never text from a comment.

use sqlx::{AssertSqlSafe, FromRow};

use crate::db::{Db, Keyed, Timestamp, Tx, placeholders, with_id};
use crate::{with_db, with_tx};

#[derive(Debug, Clone, FromRow)]
pub struct CommentRow {
    pub id: i64,
    pub article_id: i64,
    pub parent_id: Option<i64>,
    pub depth: i64,
    pub author_name: String,
    pub author_email: String,
    pub author_url: String,
    pub body: String,
    pub status: String,
    pub trashed_from: Option<String>,
    pub reason: String,
    pub spam_score: Option<i64>,
    pub trained_as: Option<String>,
    pub features: String,
    pub notify_replies: bool,
    pub authors_notified: bool,
    pub moderators_notified: bool,
    pub ip: String,
    pub user_agent: String,
    pub created_at: Timestamp,
}

macro_rules! select {
    ($rest:literal) => {
        concat!(
            "SELECT id, article_id, parent_id, depth, author_name, author_email, author_url, \
             body, status, trashed_from, reason, spam_score, trained_as, features, \
             notify_replies, authors_notified, moderators_notified, ip, user_agent, created_at \
             FROM comments ",
            $rest
        )
    };
}

pub struct NewComment<'a> {
    pub article_id: i64,
    pub parent_id: Option<i64>,
    pub depth: i64,
    pub user_id: Option<i64>,
    pub name: &'a str,
    pub email: &'a str,
    pub url: &'a str,
    pub body: &'a str,
    pub status: &'a str,
    pub reason: &'a str,
    pub spam_score: Option<i64>,
    pub features: &'a str,
    pub notify_replies: bool,
    pub ip: &'a str,
    pub user_agent: &'a str,
    pub now: Timestamp,
}

pub async fn insert(tx: &mut Tx, c: &NewComment<'_>, id: Option<i64>) -> sqlx::Result<i64> {
    const SQL: &str = "INSERT INTO comments (article_id, parent_id, depth, user_id, author_name, \
         author_email, author_url, body, status, reason, spam_score, features, notify_replies, ip, \
         user_agent, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) \
         RETURNING id";
    let sql = with_id(SQL, id, 17);
    let made = with_tx!(tx, conn => {
        let q = sqlx::query_scalar(AssertSqlSafe(sql.as_ref()))
            .bind(c.article_id).bind(c.parent_id).bind(c.depth).bind(c.user_id).bind(c.name)
            .bind(c.email).bind(c.url).bind(c.body).bind(c.status).bind(c.reason)
            .bind(c.spam_score).bind(c.features).bind(c.notify_replies).bind(c.ip)
            .bind(c.user_agent).bind(c.now);
        (match id {
            Some(id) => q.bind(id),
            None => q,
        }).fetch_one(conn).await
    })?;
    tx.keep_ids_ahead(Keyed::Comments, id).await?;
    Ok(made)
}

pub async fn by_id(db: &Db, id: i64) -> sqlx::Result<Option<CommentRow>> {
    with_db!(db, p => sqlx::query_as(select!("WHERE id = $1")).bind(id).fetch_optional(p).await)
}

pub async fn approved_of_article(db: &Db, article_id: i64) -> sqlx::Result<Vec<CommentRow>> {
    const SQL: &str =
        select!("WHERE article_id = $1 AND status = 'approved' ORDER BY created_at, id");
    with_db!(db, p => sqlx::query_as(SQL).bind(article_id).fetch_all(p).await)
}

/// The newest approved comments, of one article or of the whole site, for feeds.
pub async fn latest_approved(
    db: &Db,
    article_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<CommentRow>> {
    const SQL: &str = select!(
        "WHERE status = 'approved' AND ($1 IS NULL OR article_id = $1) \
         ORDER BY created_at DESC, id DESC LIMIT $2"
    );
    with_db!(db, p => sqlx::query_as(SQL).bind(article_id).bind(limit).fetch_all(p).await)
}

pub async fn is_duplicate(
    db: &Db,
    article_id: i64,
    parent_id: Option<i64>,
    name: &str,
    email: &str,
    body: &str,
) -> sqlx::Result<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM comments WHERE article_id = $1 \
         AND COALESCE(parent_id, 0) = COALESCE($2, 0) AND status <> 'trash' \
         AND (author_name = $3 OR ($4 <> '' AND author_email = $4)) AND body = $5";
    let n: i64 = with_db!(db, p => sqlx::query_scalar(SQL).bind(article_id).bind(parent_id)
        .bind(name).bind(email).bind(body).fetch_one(p).await)?;
    Ok(n > 0)
}

pub async fn has_approved(db: &Db, name: &str, email: &str) -> sqlx::Result<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM comments \
         WHERE author_name = $1 AND author_email = $2 AND status = 'approved'";
    let n: i64 =
        with_db!(db, p => sqlx::query_scalar(SQL).bind(name).bind(email).fetch_one(p).await)?;
    Ok(n > 0)
}

pub async fn count_approved_in(tx: &mut Tx, article_id: i64) -> sqlx::Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM comments WHERE article_id = $1 AND status = 'approved'";
    with_tx!(tx, c => sqlx::query_scalar(SQL).bind(article_id).fetch_one(c).await)
}

pub async fn set_status(
    tx: &mut Tx,
    id: i64,
    status: &str,
    trashed_from: Option<&str>,
    now: Timestamp,
) -> sqlx::Result<()> {
    const SQL: &str =
        "UPDATE comments SET status = $1, trashed_from = $2, updated_at = $3 WHERE id = $4";
    with_tx!(tx, c => sqlx::query(SQL).bind(status).bind(trashed_from).bind(now).bind(id)
        .execute(c).await.map(|_| ()))
}

pub async fn set_trained(tx: &mut Tx, id: i64, trained_as: Option<&str>) -> sqlx::Result<()> {
    const SQL: &str = "UPDATE comments SET trained_as = $1 WHERE id = $2";
    with_tx!(tx, c => sqlx::query(SQL).bind(trained_as).bind(id).execute(c).await.map(|_| ()))
}

pub struct Edit<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub url: &'a str,
    pub body: &'a str,
}

pub async fn edit(tx: &mut Tx, id: i64, e: &Edit<'_>, now: Timestamp) -> sqlx::Result<()> {
    const SQL: &str = "UPDATE comments SET author_name = $1, author_email = $2, author_url = $3, \
         body = $4, updated_at = $5 WHERE id = $6";
    with_tx!(tx, c => sqlx::query(SQL).bind(e.name).bind(e.email).bind(e.url).bind(e.body)
        .bind(now).bind(id).execute(c).await.map(|_| ()))
}

/// Deletes a comment for good; its replies move up to its parent, as WordPress does.
pub async fn delete(tx: &mut Tx, id: i64, parent_id: Option<i64>) -> sqlx::Result<()> {
    const REPARENT: &str = "UPDATE comments SET parent_id = $1 WHERE parent_id = $2";
    const DELETE: &str = "DELETE FROM comments WHERE id = $1";
    with_tx!(tx, c => {
        sqlx::query(REPARENT).bind(parent_id).bind(id).execute(&mut *c).await?;
        sqlx::query(DELETE).bind(id).execute(&mut *c).await.map(|_| ())
    })
}

const COLUMNS: &str = select!("");

/// Which comments the moderation queue lists.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub status: String,
    pub article_id: Option<i64>,
    pub email: Option<String>,
    pub ip: Option<String>,
}

pub async fn queue(
    db: &Db,
    f: &QueueFilter,
    restrict_to: Option<&[i64]>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<CommentRow>, i64)> {
    let (sql, count_sql) = queue_sql(restrict_to.map_or(0, <[i64]>::len));
    let ids = restrict_to.unwrap_or(&[]);
    with_db!(db, p => {
        let mut q = sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(&f.status).bind(f.article_id).bind(f.email.as_deref()).bind(f.ip.as_deref());
        let mut count = sqlx::query_scalar(AssertSqlSafe(count_sql.as_str()))
            .bind(&f.status).bind(f.article_id).bind(f.email.as_deref()).bind(f.ip.as_deref());
        for id in ids {
            q = q.bind(*id);
            count = count.bind(*id);
        }
        let rows = q.bind(limit).bind(offset).fetch_all(p).await?;
        let total: i64 = count.fetch_one(p).await?;
        Ok((rows, total))
    })
}

/// The queue's statement: four filters, then (for authors) the articles they may moderate as
/// numbered placeholders, then the page.
fn queue_sql(restricted: usize) -> (String, String) {
    let mut filter = String::from(
        "WHERE status = $1 AND ($2 IS NULL OR article_id = $2) \
         AND ($3 IS NULL OR author_email = $3) AND ($4 IS NULL OR ip = $4)",
    );
    placeholders_clause(&mut filter, restricted, 5);
    let next = 5 + restricted;
    let rows = format!(
        "{COLUMNS}{filter} ORDER BY created_at DESC, id DESC LIMIT ${next} OFFSET ${}",
        next + 1
    );
    let count = format!("SELECT COUNT(*) FROM comments {filter}");
    (rows, count)
}

fn placeholders_clause(filter: &mut String, n: usize, first: usize) {
    if n == 0 {
        return;
    }
    filter.push_str(&format!(" AND article_id IN ({})", placeholders(first, n)));
}

pub async fn counts_by_status(
    db: &Db,
    restrict_to: Option<&[i64]>,
) -> sqlx::Result<Vec<(String, i64)>> {
    let mut sql = String::from("SELECT status, COUNT(*) FROM comments WHERE 1 = 1");
    placeholders_clause(&mut sql, restrict_to.map_or(0, <[i64]>::len), 1);
    sql.push_str(" GROUP BY status");
    with_db!(db, p => {
        let mut q = sqlx::query_as(AssertSqlSafe(sql.as_str()));
        for id in restrict_to.unwrap_or(&[]) {
            q = q.bind(*id);
        }
        q.fetch_all(p).await
    })
}

pub async fn by_email(db: &Db, email: &str) -> sqlx::Result<Vec<CommentRow>> {
    const SQL: &str = select!("WHERE author_email = $1 ORDER BY created_at, id");
    with_db!(db, p => sqlx::query_as(SQL).bind(email).fetch_all(p).await)
}

/// Removes what identifies a person from their comments; the text stays, signed "Anonymous".
pub async fn anonymise(tx: &mut Tx, email: &str, now: Timestamp) -> sqlx::Result<u64> {
    const SQL: &str = "UPDATE comments SET author_name = 'Anonymous', author_email = '', \
         author_url = '', ip = '', user_agent = '', notify_replies = FALSE, user_id = NULL, \
         updated_at = $1 WHERE author_email = $2";
    with_tx!(tx, c => sqlx::query(SQL).bind(now).bind(email).execute(c).await
        .map(|r| r.rows_affected()))
}

pub async fn drop_addresses_before(db: &Db, before: Timestamp) -> sqlx::Result<u64> {
    const SQL: &str = "UPDATE comments SET ip = '', user_agent = '' \
         WHERE created_at < $1 AND (ip <> '' OR user_agent <> '')";
    with_db!(db, p => sqlx::query(SQL).bind(before).execute(p).await.map(|r| r.rows_affected()))
}

pub async fn stop_reply_mail(db: &Db, email: &str) -> sqlx::Result<u64> {
    const SQL: &str = "UPDATE comments SET notify_replies = FALSE WHERE author_email = $1";
    with_db!(db, p => sqlx::query(SQL).bind(email).execute(p).await.map(|r| r.rows_affected()))
}

/// Marks a notification as sent; `false` when another worker had marked it already.
pub async fn claim_authors_notice(db: &Db, id: i64) -> sqlx::Result<bool> {
    const SQL: &str = "UPDATE comments SET authors_notified = TRUE \
         WHERE id = $1 AND authors_notified = FALSE AND status = 'approved'";
    with_db!(db, p => sqlx::query(SQL).bind(id).execute(p).await.map(|r| r.rows_affected() == 1))
}

pub async fn claim_moderators_notice(db: &Db, id: i64) -> sqlx::Result<bool> {
    const SQL: &str = "UPDATE comments SET moderators_notified = TRUE \
         WHERE id = $1 AND moderators_notified = FALSE AND status = 'pending'";
    with_db!(db, p => sqlx::query(SQL).bind(id).execute(p).await.map(|r| r.rows_affected() == 1))
}

/// Takes every held comment no moderator has heard of, for the hourly digest.
pub async fn claim_unannounced_held(db: &Db) -> sqlx::Result<Vec<i64>> {
    const SQL: &str = "UPDATE comments SET moderators_notified = TRUE \
         WHERE status = 'pending' AND moderators_notified = FALSE RETURNING id";
    with_db!(db, p => sqlx::query_scalar(SQL).fetch_all(p).await)
}

pub async fn oldest_unannounced_held(db: &Db) -> sqlx::Result<Option<Timestamp>> {
    const SQL: &str = "SELECT MIN(created_at) FROM comments \
         WHERE status = 'pending' AND moderators_notified = FALSE";
    with_db!(db, p => sqlx::query_scalar(SQL).fetch_one(p).await)
}

const DOCUMENTS: &str = "#documents";

/// The classifier's counts for `features`, with the document totals.
pub async fn model_for(db: &Db, features: &[String]) -> sqlx::Result<super::spam::Model> {
    let mut model = super::spam::Model::default();
    for chunk in features.chunks(200) {
        let sql = format!(
            "SELECT token, spam, ham FROM spam_tokens WHERE token = $1 OR token IN ({})",
            placeholders(2, chunk.len())
        );
        let rows: Vec<(String, i64, i64)> = with_db!(db, p => {
            let mut q = sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(DOCUMENTS);
            for f in chunk {
                q = q.bind(f);
            }
            q.fetch_all(p).await
        })?;
        for (token, spam, ham) in rows {
            if token == DOCUMENTS {
                model.spam_docs = spam;
                model.ham_docs = ham;
            } else {
                model.tokens.insert(token, (spam, ham));
            }
        }
    }
    Ok(model)
}

/// Adds (`delta` 1) or removes (-1) one comment's features from the spam or ham counts.
pub async fn train(tx: &mut Tx, features: &[String], spam: bool, delta: i64) -> sqlx::Result<()> {
    const SPAM: &str = "INSERT INTO spam_tokens (token, spam, ham) VALUES ($1, $3, 0) \
         ON CONFLICT (token) DO UPDATE SET spam = CASE WHEN spam_tokens.spam + $2 < 0 THEN 0 \
         ELSE spam_tokens.spam + $2 END";
    const HAM: &str = "INSERT INTO spam_tokens (token, spam, ham) VALUES ($1, 0, $3) \
         ON CONFLICT (token) DO UPDATE SET ham = CASE WHEN spam_tokens.ham + $2 < 0 THEN 0 \
         ELSE spam_tokens.ham + $2 END";
    let sql = if spam { SPAM } else { HAM };
    with_tx!(tx, c => {
        for token in features.iter().map(String::as_str).chain([DOCUMENTS]) {
            sqlx::query(sql).bind(token).bind(delta).bind(delta.max(0))
                .execute(&mut *c).await?;
        }
        Ok(())
    })
}

/// Marks an imported comment as already announced, so no one is mailed about old news.
pub async fn mark_announced(tx: &mut Tx, id: i64) -> sqlx::Result<()> {
    const SQL: &str =
        "UPDATE comments SET authors_notified = TRUE, moderators_notified = TRUE WHERE id = $1";
    with_tx!(tx, c => sqlx::query(SQL).bind(id).execute(c).await.map(|_| ()))
}

/// Empties the comments and the classifier, before the demo newsroom replaces all content.
pub async fn delete_all(tx: &mut Tx) -> sqlx::Result<()> {
    with_tx!(tx, c => {
        for sql in ["DELETE FROM comments", "DELETE FROM spam_tokens"] {
            sqlx::query(sql).execute(&mut *c).await?;
        }
        Ok(())
    })
}

/// Every comment of an article whatever its status, oldest first, for an export.
pub async fn all_of_article(db: &Db, article_id: i64) -> sqlx::Result<Vec<CommentRow>> {
    const SQL: &str = select!("WHERE article_id = $1 ORDER BY created_at, id");
    with_db!(db, p => sqlx::query_as(SQL).bind(article_id).fetch_all(p).await)
}

/// Which approved comments of published articles a public list shows; each list, when given,
/// keeps the comments whose value is in it.
#[derive(Debug, Clone, Default)]
pub struct PublicFilter {
    pub ids: Option<Vec<i64>>,
    pub exclude: Vec<i64>,
    pub articles: Option<Vec<i64>>,
    /// Parent comment ids; 0 names the top level.
    pub parents: Option<Vec<i64>>,
    pub after: Option<Timestamp>,
    pub before: Option<Timestamp>,
}

/// What a public list sorts by; the id breaks ties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicOrder {
    Date,
    Id,
    Article,
    Parent,
}

/// The `WHERE` clause of `filter` and its values, numbered from `$2` (`$1` is the time).
fn public_where(filter: &PublicFilter) -> (String, Vec<i64>) {
    let mut sql = String::from(
        "status = 'approved' AND article_id IN (SELECT id FROM articles \
         WHERE status = 'published' AND published_at <= $1)",
    );
    let mut binds: Vec<i64> = Vec::new();
    let list = |sql: &mut String, binds: &mut Vec<i64>, clause: &str, values: &[i64]| {
        let first = binds.len() + 2;
        binds.extend_from_slice(values);
        let marks = if values.is_empty() {
            "NULL".to_string()
        } else {
            placeholders(first, values.len())
        };
        sql.push_str(&clause.replace("{}", &marks));
    };
    if let Some(ids) = &filter.ids {
        list(&mut sql, &mut binds, " AND id IN ({})", ids);
    }
    if !filter.exclude.is_empty() {
        list(&mut sql, &mut binds, " AND id NOT IN ({})", &filter.exclude);
    }
    if let Some(ids) = &filter.articles {
        list(&mut sql, &mut binds, " AND article_id IN ({})", ids);
    }
    if let Some(parents) = &filter.parents {
        list(
            &mut sql,
            &mut binds,
            " AND COALESCE(parent_id, 0) IN ({})",
            parents,
        );
    }
    if let Some(after) = filter.after {
        list(
            &mut sql,
            &mut binds,
            " AND created_at > {}",
            &[after.micros()],
        );
    }
    if let Some(before) = filter.before {
        list(
            &mut sql,
            &mut binds,
            " AND created_at < {}",
            &[before.micros()],
        );
    }
    (sql, binds)
}

pub async fn public_page(
    db: &Db,
    now: Timestamp,
    filter: &PublicFilter,
    order: (PublicOrder, bool),
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<CommentRow>> {
    let (clause, binds) = public_where(filter);
    let column = match order.0 {
        PublicOrder::Date => "created_at",
        PublicOrder::Id => "id",
        PublicOrder::Article => "article_id",
        PublicOrder::Parent => "COALESCE(parent_id, 0)",
    };
    let dir = if order.1 { "DESC" } else { "ASC" };
    let n = binds.len();
    let sql = format!(
        "{} WHERE {clause} ORDER BY {column} {dir}, id {dir} LIMIT ${} OFFSET ${}",
        select!(""),
        n + 2,
        n + 3
    );
    with_db!(db, p => {
        let mut q = sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(now);
        for v in &binds {
            q = q.bind(*v);
        }
        q.bind(limit).bind(offset).fetch_all(p).await
    })
}

pub async fn public_count(db: &Db, now: Timestamp, filter: &PublicFilter) -> sqlx::Result<i64> {
    let (clause, binds) = public_where(filter);
    let sql = format!("SELECT COUNT(*) FROM comments WHERE {clause}");
    with_db!(db, p => {
        let mut q = sqlx::query_scalar(AssertSqlSafe(sql.as_str())).bind(now);
        for v in &binds {
            q = q.bind(*v);
        }
        q.fetch_one(p).await
    })
}
