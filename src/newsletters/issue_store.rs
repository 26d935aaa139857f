//! SQL for newsletter issues and their recipients. Claiming recipients is the one dialect fork:
//! PostgreSQL adds `FOR UPDATE SKIP LOCKED` so nodes sending the same issue never wait on or
//! double-claim a row; SQLite's single writer makes the same `UPDATE … RETURNING` atomic.

use sqlx::FromRow;

use crate::db::{Db, Pool, Timestamp, Tx};
use crate::{with_db, with_tx};

#[derive(Debug, Clone, FromRow)]
pub struct IssueRow {
    pub id: i64,
    pub newsletter_id: i64,
    pub subject: String,
    pub intro: String,
    pub status: String,
    pub slot: Option<String>,
    pub covers_from: Timestamp,
    pub covers_until: Timestamp,
    pub send_at: Option<Timestamp>,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

macro_rules! issues {
    ($rest:literal) => {
        concat!(
            "SELECT id, newsletter_id, subject, intro, status, slot, covers_from, covers_until, \
             send_at, started_at, finished_at, created_at FROM newsletter_issues ",
            $rest
        )
    };
}

pub struct NewIssue<'a> {
    pub newsletter_id: i64,
    pub subject: &'a str,
    pub intro: &'a str,
    pub status: &'a str,
    pub slot: Option<&'a str>,
    pub covers_from: Timestamp,
    pub covers_until: Timestamp,
    pub send_at: Option<Timestamp>,
    pub created_by: Option<i64>,
}

/// Inserts an issue; `None` when an issue for the same automatic slot exists already.
pub async fn insert(tx: &mut Tx, i: &NewIssue<'_>, now: Timestamp) -> sqlx::Result<Option<i64>> {
    const SQL: &str = "INSERT INTO newsletter_issues (newsletter_id, subject, intro, status, slot, \
         covers_from, covers_until, send_at, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) \
         ON CONFLICT (newsletter_id, slot) DO NOTHING RETURNING id";
    with_tx!(tx, c => sqlx::query_scalar(SQL).bind(i.newsletter_id).bind(i.subject).bind(i.intro)
        .bind(i.status).bind(i.slot).bind(i.covers_from).bind(i.covers_until).bind(i.send_at)
        .bind(i.created_by).bind(now).fetch_optional(c).await)
}

/// The automatic slots the newsletter has filled since `since`.
pub async fn slots_since(db: &Db, newsletter: i64, since: Timestamp) -> sqlx::Result<Vec<String>> {
    const SQL: &str = "SELECT slot FROM newsletter_issues WHERE newsletter_id = $1 \
         AND slot IS NOT NULL AND created_at >= $2";
    with_db!(db, p => sqlx::query_scalar(SQL).bind(newsletter).bind(since).fetch_all(p).await)
}

pub async fn by_id(db: &Db, id: i64) -> sqlx::Result<Option<IssueRow>> {
    const SQL: &str = issues!("WHERE id = $1");
    with_db!(db, p => sqlx::query_as(SQL).bind(id).fetch_optional(p).await)
}

pub async fn of_newsletter(db: &Db, newsletter: i64, limit: i64) -> sqlx::Result<Vec<IssueRow>> {
    const SQL: &str =
        issues!("WHERE newsletter_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2");
    with_db!(db, p => sqlx::query_as(SQL).bind(newsletter).bind(limit).fetch_all(p).await)
}

/// The end of the period the newsletter's last started issue covered, other than `except`.
pub async fn last_covered(
    db: &Db,
    newsletter: i64,
    except: i64,
) -> sqlx::Result<Option<Timestamp>> {
    const SQL: &str = "SELECT MAX(covers_until) FROM newsletter_issues WHERE newsletter_id = $1 \
         AND id <> $2 AND status IN ('sending', 'sent')";
    with_db!(db, p => sqlx::query_scalar(SQL).bind(newsletter).bind(except).fetch_one(p).await)
}

/// The rendered mail of a started issue, with its per-reader placeholders.
pub async fn body(db: &Db, id: i64) -> sqlx::Result<Option<(String, String)>> {
    const SQL: &str = "SELECT html, text FROM newsletter_issues WHERE id = $1 \
         AND status IN ('sending', 'sent')";
    with_db!(db, p => sqlx::query_as(SQL).bind(id).fetch_optional(p).await)
}

/// Changes a draft or scheduled issue's words; `false` once it has started.
pub async fn edit(
    tx: &mut Tx,
    id: i64,
    subject: &str,
    intro: &str,
    now: Timestamp,
) -> sqlx::Result<bool> {
    const SQL: &str = "UPDATE newsletter_issues SET subject = $1, intro = $2, updated_at = $3 \
         WHERE id = $4 AND status IN ('draft', 'scheduled')";
    with_tx!(tx, c => sqlx::query(SQL).bind(subject).bind(intro).bind(now).bind(id).execute(c).await
        .map(|r| r.rows_affected() == 1))
}

/// Schedules a draft (or moves a scheduled issue); `false` once it has started.
pub async fn schedule(tx: &mut Tx, id: i64, at: Timestamp, now: Timestamp) -> sqlx::Result<bool> {
    const SQL: &str = "UPDATE newsletter_issues SET status = 'scheduled', send_at = $1, \
         updated_at = $2 WHERE id = $3 AND status IN ('draft', 'scheduled')";
    with_tx!(tx, c => sqlx::query(SQL).bind(at).bind(now).bind(id).execute(c).await
        .map(|r| r.rows_affected() == 1))
}

/// Takes a scheduled issue back to draft; `false` once it has started.
pub async fn unschedule(tx: &mut Tx, id: i64, now: Timestamp) -> sqlx::Result<bool> {
    const SQL: &str = "UPDATE newsletter_issues SET status = 'draft', send_at = NULL, \
         updated_at = $1 WHERE id = $2 AND status = 'scheduled'";
    with_tx!(tx, c => sqlx::query(SQL).bind(now).bind(id).execute(c).await
        .map(|r| r.rows_affected() == 1))
}

/// Marks an automatic issue that found nothing to send.
pub async fn skip(db: &Db, id: i64, now: Timestamp) -> sqlx::Result<()> {
    const SQL: &str = "UPDATE newsletter_issues SET status = 'skipped', covers_until = $1, \
         finished_at = $1, updated_at = $1 WHERE id = $2 AND status = 'scheduled'";
    with_db!(db, p => sqlx::query(SQL).bind(now).bind(id).execute(p).await.map(|_| ()))
}

pub async fn set_articles(tx: &mut Tx, id: i64, articles: &[i64]) -> sqlx::Result<()> {
    with_tx!(tx, c => {
        sqlx::query("DELETE FROM newsletter_issue_articles WHERE issue_id = $1")
            .bind(id).execute(&mut *c).await?;
        for (position, article) in articles.iter().enumerate() {
            sqlx::query("INSERT INTO newsletter_issue_articles (issue_id, article_id, position) \
                 VALUES ($1, $2, $3)")
                .bind(id).bind(*article).bind(position as i64).execute(&mut *c).await?;
        }
        Ok(())
    })
}

pub async fn articles(db: &Db, id: i64) -> sqlx::Result<Vec<i64>> {
    const SQL: &str = "SELECT article_id FROM newsletter_issue_articles WHERE issue_id = $1 \
         ORDER BY position";
    with_db!(db, p => sqlx::query_scalar(SQL).bind(id).fetch_all(p).await)
}

pub struct Start<'a> {
    pub subject: &'a str,
    pub covers_from: Timestamp,
    pub covers_until: Timestamp,
    pub html: &'a str,
    pub text: &'a str,
}

/// Starts a scheduled issue: freezes its mail and period, and lists every active reader of an
/// active address as a recipient. `None` when it was not scheduled (another node started it).
pub async fn start(
    tx: &mut Tx,
    id: i64,
    s: &Start<'_>,
    now: Timestamp,
) -> sqlx::Result<Option<u64>> {
    const ISSUE: &str = "UPDATE newsletter_issues SET status = 'sending', subject = $1, \
         covers_from = $2, covers_until = $3, html = $4, text = $5, started_at = $6, \
         updated_at = $6 WHERE id = $7 AND status = 'scheduled'";
    const RECIPIENTS: &str = "INSERT INTO newsletter_recipients (issue_id, subscriber_id, email, \
         status, next_attempt_at) \
         SELECT i.id, r.id, r.email, 'queued', $2 FROM newsletter_issues i \
         JOIN subscriptions s ON s.newsletter_id = i.newsletter_id AND s.status = 'active' \
         JOIN subscribers r ON r.id = s.subscriber_id AND r.status = 'active' \
         WHERE i.id = $1 ON CONFLICT (issue_id, subscriber_id) DO NOTHING";
    with_tx!(tx, c => {
        let started = sqlx::query(ISSUE).bind(s.subject).bind(s.covers_from).bind(s.covers_until)
            .bind(s.html).bind(s.text).bind(now).bind(id).execute(&mut *c).await?;
        if started.rows_affected() == 0 {
            return Ok(None);
        }
        let added = sqlx::query(RECIPIENTS).bind(id).bind(now).execute(&mut *c).await?;
        Ok(Some(added.rows_affected()))
    })
}

#[derive(Debug, Clone, FromRow)]
pub struct Claimed {
    pub subscriber_id: i64,
    pub email: String,
    pub attempts: i64,
}

/// Claims up to `limit` recipients due now — queued ones, and those whose claim lapsed with a
/// node that stopped — for `worker` until `lease_until`. Two statements, each an index range
/// scan: one `OR` of both would walk past every recipient already sent, on every claim.
pub async fn claim(db: &Db, c: &Claim<'_>, limit: i64) -> sqlx::Result<Vec<Claimed>> {
    let mut claimed = claim_where(db, Due::Lapsed, c, limit).await?;
    let rest = limit - claimed.len() as i64;
    if rest > 0 {
        claimed.extend(claim_where(db, Due::Queued, c, rest).await?);
    }
    Ok(claimed)
}

pub async fn claiming_workers(db: &Db, now: Timestamp) -> sqlx::Result<Vec<String>> {
    const SQL: &str = "SELECT DISTINCT claimed_by FROM newsletter_recipients \
         WHERE status = 'sending' AND claimed_until >= $1 AND claimed_by IS NOT NULL";
    with_db!(db, p => sqlx::query_scalar(SQL).bind(now).fetch_all(p).await)
}

/// Ends `worker`'s claims as if their lease ran out just now.
pub async fn lapse_claims_of(db: &Db, worker: &str, now: Timestamp) -> sqlx::Result<u64> {
    const SQL: &str = "UPDATE newsletter_recipients SET claimed_until = $2 \
         WHERE claimed_by = $1 AND status = 'sending'";
    with_db!(db, p => sqlx::query(SQL).bind(worker).bind(now.plus_seconds(-1)).execute(p).await
        .map(|r| r.rows_affected()))
}

/// Who claims recipients of which issue, and until when.
pub struct Claim<'a> {
    pub issue: i64,
    pub worker: &'a str,
    pub now: Timestamp,
    pub lease_until: Timestamp,
}

#[derive(Clone, Copy)]
enum Due {
    Queued,
    Lapsed,
}

macro_rules! claim_sql {
    ($due:literal, $lock:literal) => {
        concat!(
            "UPDATE newsletter_recipients SET status = 'sending', claimed_by = $1, \
             claimed_until = $2, attempts = attempts + 1 \
             WHERE issue_id = $3 AND subscriber_id IN (SELECT subscriber_id \
             FROM newsletter_recipients WHERE issue_id = $3 AND ",
            $due,
            " LIMIT $5",
            $lock,
            ") RETURNING subscriber_id, email, attempts"
        )
    };
}

async fn claim_where(db: &Db, due: Due, c: &Claim<'_>, limit: i64) -> sqlx::Result<Vec<Claimed>> {
    let sql = match (&db.pool, due) {
        (Pool::Sqlite(_), Due::Queued) => {
            claim_sql!("status = 'queued' AND next_attempt_at <= $4", "")
        }
        (Pool::Sqlite(_), Due::Lapsed) => {
            claim_sql!("status = 'sending' AND claimed_until < $4", "")
        }
        (Pool::Postgres(_), Due::Queued) => claim_sql!(
            "status = 'queued' AND next_attempt_at <= $4",
            " FOR UPDATE SKIP LOCKED"
        ),
        (Pool::Postgres(_), Due::Lapsed) => claim_sql!(
            "status = 'sending' AND claimed_until < $4",
            " FOR UPDATE SKIP LOCKED"
        ),
    };
    with_db!(db, p => sqlx::query_as(sql).bind(c.worker).bind(c.lease_until).bind(c.issue)
        .bind(c.now).bind(limit).fetch_all(p).await)
}

/// What became of one claimed recipient.
pub enum Outcome<'a> {
    Sent,
    /// Try again at the time given (a 4xx answer).
    Retry(Timestamp, &'a str),
    /// Give up on this message, not on the reader.
    Failed(&'a str),
    /// The address is refused for good (a 5xx answer): no more mail to it.
    Bounced(&'a str),
    /// Not tried (the server was unreachable or the lease ran short): back in the queue.
    Released,
}

/// Records what happened to one recipient, at once, so that a node dying after this message
/// cannot make another node send it again.
pub async fn record(
    db: &Db,
    issue: i64,
    subscriber: i64,
    outcome: &Outcome<'_>,
    now: Timestamp,
) -> sqlx::Result<()> {
    const SENT: &str = "UPDATE newsletter_recipients SET status = 'sent', sent_at = $1, \
         claimed_until = NULL, error = $4 WHERE issue_id = $2 AND subscriber_id = $3";
    const RETRY: &str = "UPDATE newsletter_recipients SET status = 'queued', next_attempt_at = $1, \
         claimed_until = NULL, error = $4 WHERE issue_id = $2 AND subscriber_id = $3";
    const FAILED: &str = "UPDATE newsletter_recipients SET status = 'failed', claimed_until = NULL, \
         error = $4, sent_at = $1 WHERE issue_id = $2 AND subscriber_id = $3";
    const BOUNCED: &str = "UPDATE newsletter_recipients SET status = 'bounced', \
         claimed_until = NULL, error = $4, sent_at = $1 WHERE issue_id = $2 AND subscriber_id = $3";
    const SUBSCRIBER_BOUNCED: &str = "UPDATE subscribers SET status = 'bounced' WHERE id = $1";
    const RELEASED: &str = "UPDATE newsletter_recipients SET status = 'queued', \
         attempts = attempts - 1, claimed_until = NULL, next_attempt_at = $1, error = $4 \
         WHERE issue_id = $2 AND subscriber_id = $3";
    let (sql, error) = match outcome {
        Outcome::Sent => (SENT, ""),
        Outcome::Retry(_, e) => (RETRY, *e),
        Outcome::Failed(e) => (FAILED, *e),
        Outcome::Bounced(e) => (BOUNCED, *e),
        Outcome::Released => (RELEASED, ""),
    };
    let at = match outcome {
        Outcome::Retry(at, _) => *at,
        _ => now,
    };
    with_db!(db, p => {
        if matches!(outcome, Outcome::Bounced(_)) {
            let mut tx = p.begin().await?;
            sqlx::query(sql).bind(at).bind(issue).bind(subscriber).bind(error)
                .execute(&mut *tx).await?;
            sqlx::query(SUBSCRIBER_BOUNCED).bind(subscriber).execute(&mut *tx).await?;
            tx.commit().await
        } else {
            sqlx::query(sql).bind(at).bind(issue).bind(subscriber).bind(error).execute(p).await
                .map(|_| ())
        }
    })
}

/// Recipients not yet done with, and when the earliest of them can next be tried (a retry's
/// time, or the end of another node's claim).
pub async fn open(db: &Db, issue: i64) -> sqlx::Result<(i64, Option<Timestamp>)> {
    const SQL: &str = "SELECT COUNT(*), MIN(CASE WHEN status = 'queued' THEN next_attempt_at \
         ELSE claimed_until END) FROM newsletter_recipients \
         WHERE issue_id = $1 AND status IN ('queued', 'sending')";
    with_db!(db, p => sqlx::query_as(SQL).bind(issue).fetch_one(p).await)
}

pub async fn finish(db: &Db, issue: i64, now: Timestamp) -> sqlx::Result<()> {
    const SQL: &str = "UPDATE newsletter_issues SET status = 'sent', finished_at = $1, \
         updated_at = $1 WHERE id = $2 AND status = 'sending'";
    with_db!(db, p => sqlx::query(SQL).bind(now).bind(issue).execute(p).await.map(|_| ()))
}

/// Recipients of an issue by status, and readers who unsubscribed through its links.
pub async fn figures(db: &Db, issue: i64) -> sqlx::Result<(Vec<(String, i64)>, i64)> {
    const BY_STATUS: &str = "SELECT status, COUNT(*) FROM newsletter_recipients \
         WHERE issue_id = $1 GROUP BY status";
    const UNSUBSCRIBED: &str = "SELECT COUNT(*) FROM subscriptions \
         WHERE unsubscribed_issue_id = $1 AND status = 'unsubscribed'";
    with_db!(db, p => {
        let by_status = sqlx::query_as(BY_STATUS).bind(issue).fetch_all(p).await?;
        let unsubscribed = sqlx::query_scalar(UNSUBSCRIBED).bind(issue).fetch_one(p).await?;
        Ok((by_status, unsubscribed))
    })
}
