//! SQL for newsletters, their sources, subscribers and subscriptions. Private to the room.

use sqlx::FromRow;

use crate::db::{Db, Timestamp, Tx};
use crate::{with_db, with_tx};

#[derive(Debug, Clone, FromRow)]
pub struct NewsletterRow {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub sender_name: String,
    pub sender_email: String,
    pub reply_to: String,
    pub cadence: String,
    pub send_time: String,
    pub send_weekday: i64,
    pub active: bool,
    pub position: i64,
    pub created_at: Timestamp,
}

macro_rules! newsletters {
    ($rest:literal) => {
        concat!(
            "SELECT id, name, slug, description, sender_name, sender_email, reply_to, cadence, \
             send_time, send_weekday, active, position, created_at FROM newsletters ",
            $rest
        )
    };
}

pub async fn all(db: &Db) -> sqlx::Result<Vec<NewsletterRow>> {
    const SQL: &str = newsletters!("ORDER BY position, name");
    with_db!(db, p => sqlx::query_as(SQL).fetch_all(p).await)
}

pub async fn by_id(db: &Db, id: i64) -> sqlx::Result<Option<NewsletterRow>> {
    const SQL: &str = newsletters!("WHERE id = $1");
    with_db!(db, p => sqlx::query_as(SQL).bind(id).fetch_optional(p).await)
}

pub async fn by_slug(db: &Db, slug: &str) -> sqlx::Result<Option<NewsletterRow>> {
    const SQL: &str = newsletters!("WHERE slug = $1");
    with_db!(db, p => sqlx::query_as(SQL).bind(slug).fetch_optional(p).await)
}

/// The first active newsletter drawing from a section: that section's default.
pub async fn for_section(db: &Db, section_id: i64) -> sqlx::Result<Option<NewsletterRow>> {
    const SQL: &str = newsletters!(
        "WHERE active = TRUE AND id IN (SELECT newsletter_id FROM newsletter_sections \
         WHERE section_id = $1) ORDER BY position, name LIMIT 1"
    );
    with_db!(db, p => sqlx::query_as(SQL).bind(section_id).fetch_optional(p).await)
}

pub struct Fields<'a> {
    pub name: &'a str,
    pub slug: &'a str,
    pub description: &'a str,
    pub sender_name: &'a str,
    pub sender_email: &'a str,
    pub reply_to: &'a str,
    pub cadence: &'a str,
    pub send_time: &'a str,
    pub send_weekday: i64,
    pub active: bool,
    pub position: i64,
}

pub async fn insert(tx: &mut Tx, f: &Fields<'_>, now: Timestamp) -> sqlx::Result<i64> {
    const SQL: &str = "INSERT INTO newsletters (name, slug, description, sender_name, \
         sender_email, reply_to, cadence, send_time, send_weekday, active, position, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id";
    with_tx!(tx, c => sqlx::query_scalar(SQL).bind(f.name).bind(f.slug).bind(f.description)
        .bind(f.sender_name).bind(f.sender_email).bind(f.reply_to).bind(f.cadence)
        .bind(f.send_time).bind(f.send_weekday).bind(f.active).bind(f.position).bind(now)
        .fetch_one(c).await)
}

pub async fn update(tx: &mut Tx, id: i64, f: &Fields<'_>, now: Timestamp) -> sqlx::Result<u64> {
    const SQL: &str = "UPDATE newsletters SET name = $1, slug = $2, description = $3, \
         sender_name = $4, sender_email = $5, reply_to = $6, cadence = $7, send_time = $8, \
         send_weekday = $9, active = $10, position = $11, updated_at = $12 WHERE id = $13";
    with_tx!(tx, c => sqlx::query(SQL).bind(f.name).bind(f.slug).bind(f.description)
        .bind(f.sender_name).bind(f.sender_email).bind(f.reply_to).bind(f.cadence)
        .bind(f.send_time).bind(f.send_weekday).bind(f.active).bind(f.position).bind(now).bind(id)
        .execute(c).await.map(|r| r.rows_affected()))
}

pub async fn set_sources(tx: &mut Tx, id: i64, sections: &[i64], tags: &[i64]) -> sqlx::Result<()> {
    with_tx!(tx, c => {
        sqlx::query("DELETE FROM newsletter_sections WHERE newsletter_id = $1")
            .bind(id).execute(&mut *c).await?;
        sqlx::query("DELETE FROM newsletter_tags WHERE newsletter_id = $1")
            .bind(id).execute(&mut *c).await?;
        for s in sections {
            sqlx::query("INSERT INTO newsletter_sections (newsletter_id, section_id) VALUES ($1, $2)")
                .bind(id).bind(*s).execute(&mut *c).await?;
        }
        for t in tags {
            sqlx::query("INSERT INTO newsletter_tags (newsletter_id, tag_id) VALUES ($1, $2)")
                .bind(id).bind(*t).execute(&mut *c).await?;
        }
        Ok(())
    })
}

pub async fn sources(db: &Db, id: i64) -> sqlx::Result<(Vec<i64>, Vec<i64>)> {
    const SECTIONS: &str =
        "SELECT section_id FROM newsletter_sections WHERE newsletter_id = $1 ORDER BY 1";
    const TAGS: &str = "SELECT tag_id FROM newsletter_tags WHERE newsletter_id = $1 ORDER BY 1";
    with_db!(db, p => {
        let sections = sqlx::query_scalar(SECTIONS).bind(id).fetch_all(p).await?;
        let tags = sqlx::query_scalar(TAGS).bind(id).fetch_all(p).await?;
        Ok((sections, tags))
    })
}

/// Subscribers per newsletter and status.
pub async fn counts(db: &Db) -> sqlx::Result<Vec<(i64, String, i64)>> {
    const SQL: &str = "SELECT newsletter_id, status, COUNT(*) FROM subscriptions \
         GROUP BY newsletter_id, status";
    with_db!(db, p => sqlx::query_as(SQL).fetch_all(p).await)
}

/// The subscriber for an address, made on first sign-up.
pub async fn subscriber_id(tx: &mut Tx, email: &str, now: Timestamp) -> sqlx::Result<i64> {
    const SQL: &str = "INSERT INTO subscribers (email, status, created_at) VALUES ($1, 'active', $2) \
         ON CONFLICT (email) DO UPDATE SET email = excluded.email RETURNING id";
    with_tx!(tx, c => sqlx::query_scalar(SQL).bind(email).bind(now).fetch_one(c).await)
}

pub struct Consent<'a> {
    pub ip: &'a str,
    pub form: &'a str,
    pub text: &'a str,
}

/// Records a sign-up as pending, with its consent; `None` when the reader is already subscribed,
/// which changes nothing.
pub async fn request(
    tx: &mut Tx,
    subscriber: i64,
    newsletter: i64,
    consent: &Consent<'_>,
    now: Timestamp,
) -> sqlx::Result<Option<(i64, Timestamp)>> {
    const SQL: &str = "INSERT INTO subscriptions (subscriber_id, newsletter_id, status, \
         requested_at, consent_ip, consent_form, consent_text) \
         VALUES ($1, $2, 'pending', $3, $4, $5, $6) \
         ON CONFLICT (subscriber_id, newsletter_id) DO UPDATE SET status = 'pending', \
         requested_at = $3, consent_ip = $4, consent_form = $5, consent_text = $6, \
         link_used = FALSE WHERE subscriptions.status <> 'active' \
         RETURNING id, requested_at";
    with_tx!(tx, c => sqlx::query_as(SQL).bind(subscriber).bind(newsletter).bind(now)
        .bind(consent.ip).bind(consent.form).bind(consent.text).fetch_optional(c).await)
}

#[derive(Debug, Clone, FromRow)]
pub struct SubscriptionRow {
    pub subscriber_id: i64,
    pub newsletter_id: i64,
    pub status: String,
    pub requested_at: Timestamp,
    pub link_used: bool,
    pub email: String,
}

macro_rules! subscriptions {
    ($rest:literal) => {
        concat!(
            "SELECT s.subscriber_id, s.newsletter_id, s.status, s.requested_at, s.link_used, \
             r.email FROM subscriptions s \
             JOIN subscribers r ON r.id = s.subscriber_id ",
            $rest
        )
    };
}

pub async fn subscription(db: &Db, id: i64) -> sqlx::Result<Option<SubscriptionRow>> {
    const SQL: &str = subscriptions!("WHERE s.id = $1");
    with_db!(db, p => sqlx::query_as(SQL).bind(id).fetch_optional(p).await)
}

pub async fn subscriptions_of(db: &Db, subscriber: i64) -> sqlx::Result<Vec<SubscriptionRow>> {
    const SQL: &str = subscriptions!("WHERE s.subscriber_id = $1");
    with_db!(db, p => sqlx::query_as(SQL).bind(subscriber).fetch_all(p).await)
}

pub async fn subscriber_email(db: &Db, id: i64) -> sqlx::Result<Option<String>> {
    const SQL: &str = "SELECT email FROM subscribers WHERE id = $1";
    with_db!(db, p => sqlx::query_scalar(SQL).bind(id).fetch_optional(p).await)
}

/// Uses a confirmation link: `false` when it was used already or the sign-up is not pending.
pub async fn confirm(db: &Db, id: i64, now: Timestamp) -> sqlx::Result<bool> {
    const SQL: &str = "UPDATE subscriptions SET status = 'active', confirmed_at = $1, \
         link_used = TRUE WHERE id = $2 AND status = 'pending' AND link_used = FALSE";
    with_db!(db, p => sqlx::query(SQL).bind(now).bind(id).execute(p).await
        .map(|r| r.rows_affected() == 1))
}

/// Sets a reader's subscription to one newsletter from their preference page or an
/// unsubscribe link; turning one on there needs no second confirmation, since the signed link
/// proves the address.
pub async fn set_choice(
    tx: &mut Tx,
    subscriber: i64,
    newsletter: i64,
    on: bool,
    now: Timestamp,
) -> sqlx::Result<()> {
    const ON: &str = "INSERT INTO subscriptions (subscriber_id, newsletter_id, status, \
         requested_at, confirmed_at, consent_form, consent_text, link_used) \
         VALUES ($1, $2, 'active', $3, $3, 'preferences', 'Chosen on the preference page', TRUE) \
         ON CONFLICT (subscriber_id, newsletter_id) DO UPDATE SET status = 'active', \
         confirmed_at = $3, unsubscribed_at = NULL WHERE subscriptions.status <> 'active'";
    const OFF: &str = "UPDATE subscriptions SET status = 'unsubscribed', unsubscribed_at = $3 \
         WHERE subscriber_id = $1 AND newsletter_id = $2 AND status <> 'unsubscribed'";
    with_tx!(tx, c => sqlx::query(if on { ON } else { OFF }).bind(subscriber).bind(newsletter)
        .bind(now).execute(c).await.map(|_| ()))
}

/// Ends a subscription from an unsubscribe link, noting the issue it came from; `false` when
/// it was not active.
pub async fn unsubscribe(
    tx: &mut Tx,
    subscriber: i64,
    newsletter: i64,
    issue: Option<i64>,
    now: Timestamp,
) -> sqlx::Result<bool> {
    const SQL: &str = "UPDATE subscriptions SET status = 'unsubscribed', unsubscribed_at = $3, \
         unsubscribed_issue_id = $4 WHERE subscriber_id = $1 AND newsletter_id = $2 \
         AND status = 'active'";
    with_tx!(tx, c => sqlx::query(SQL).bind(subscriber).bind(newsletter).bind(now).bind(issue)
        .execute(c).await.map(|r| r.rows_affected() == 1))
}

/// Adds a confirmed subscription brought from another platform; `false` when the reader had
/// one already (whatever its state: an unsubscribe is not undone by an import).
pub async fn import(
    tx: &mut Tx,
    subscriber: i64,
    newsletter: i64,
    source: &str,
    now: Timestamp,
) -> sqlx::Result<bool> {
    const SQL: &str = "INSERT INTO subscriptions (subscriber_id, newsletter_id, status, \
         requested_at, confirmed_at, consent_form, consent_text, link_used) \
         VALUES ($1, $2, 'active', $3, $3, 'import', $4, TRUE) \
         ON CONFLICT (subscriber_id, newsletter_id) DO NOTHING";
    with_tx!(tx, c => sqlx::query(SQL).bind(subscriber).bind(newsletter).bind(now).bind(source)
        .execute(c).await.map(|r| r.rows_affected() == 1))
}

pub async fn requests_from_ip_since(db: &Db, ip: &str, since: Timestamp) -> sqlx::Result<i64> {
    const SQL: &str =
        "SELECT COUNT(*) FROM subscriptions WHERE consent_ip = $1 AND requested_at >= $2";
    with_db!(db, p => sqlx::query_scalar(SQL).bind(ip).bind(since).fetch_one(p).await)
}

pub async fn requests_for_email_since(db: &Db, email: &str, since: Timestamp) -> sqlx::Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM subscriptions s JOIN subscribers r \
         ON r.id = s.subscriber_id WHERE r.email = $1 AND s.requested_at >= $2 \
         AND s.status = 'pending'";
    with_db!(db, p => sqlx::query_scalar(SQL).bind(email).bind(since).fetch_one(p).await)
}

/// Deletes sign-ups never confirmed since `before`, and readers left with nothing.
pub async fn purge_pending(tx: &mut Tx, before: Timestamp) -> sqlx::Result<u64> {
    const SUBSCRIPTIONS: &str =
        "DELETE FROM subscriptions WHERE status = 'pending' AND requested_at < $1";
    const SUBSCRIBERS: &str = "DELETE FROM subscribers WHERE NOT EXISTS \
         (SELECT 1 FROM subscriptions s WHERE s.subscriber_id = subscribers.id)";
    with_tx!(tx, c => {
        let n = sqlx::query(SUBSCRIPTIONS).bind(before).execute(&mut *c).await?.rows_affected();
        sqlx::query(SUBSCRIBERS).execute(&mut *c).await?;
        Ok(n)
    })
}

pub async fn drop_addresses_before(db: &Db, before: Timestamp) -> sqlx::Result<u64> {
    const SQL: &str = "UPDATE subscriptions SET consent_ip = '' \
         WHERE requested_at < $1 AND consent_ip <> ''";
    with_db!(db, p => sqlx::query(SQL).bind(before).execute(p).await.map(|r| r.rows_affected()))
}

pub async fn delete_all(tx: &mut Tx) -> sqlx::Result<()> {
    with_tx!(tx, c => {
        for sql in ["DELETE FROM subscriptions", "DELETE FROM subscribers", "DELETE FROM newsletters"] {
            sqlx::query(sql).execute(&mut *c).await?;
        }
        Ok(())
    })
}
