//! The editor's companions: revisions and their diff, restore, the live preview, signed
//! preview links and autosave.

use chrono_tz::Tz;

use super::service::{ArticleInput, Edit, update_article};
use super::store::{self, RevisionRow};
use crate::clock::Clock;
use crate::db::{Db, Timestamp};
use crate::error::{AppError, AppResult};

pub async fn revisions(db: &Db, article_id: i64) -> AppResult<Vec<RevisionRow>> {
    Ok(store::revisions(db, article_id).await?)
}

/// Restores a revision: its content becomes a new save (so the restore is itself a revision).
pub async fn restore_revision(
    db: &Db,
    clock: &Clock,
    tz: Tz,
    article_id: i64,
    revision_id: i64,
    by: Option<i64>,
) -> AppResult<()> {
    let revision = store::revisions(db, article_id)
        .await?
        .into_iter()
        .find(|r| r.id == revision_id)
        .ok_or_else(|| AppError::not_found("no such revision of this article"))?;
    let input = ArticleInput::from_snapshot(&revision.snapshot)?;
    update_article(
        db,
        clock,
        tz,
        article_id,
        input,
        Edit {
            by,
            expected_version: None,
        },
    )
    .await
}

/// The editor's live preview of a body (any HTML): rendered by the same code as the site, with
/// the library items it shows signed so they appear before they are public.
pub async fn preview_html(db: &Db, now: Timestamp, html: &str) -> AppResult<String> {
    let key = crate::site::settings::signing_key(db).await?;
    let doc = super::body::from_html_on_pool(html).await?;
    let mut tx = db.begin().await?;
    let page = super::service::render_page(&mut tx, &doc).await?;
    drop(tx);
    Ok(crate::media::references::sign_html(&page, &key, now))
}

/// What changed between two saved versions, field by field, for the revisions page.
pub fn diff(before: &ArticleInput, after: &ArticleInput) -> Vec<(&'static str, String, String)> {
    let text = |a: &ArticleInput| {
        [
            ("Headline", a.headline.clone()),
            ("Standfirst", a.standfirst.clone()),
            ("Slug", a.slug.clone()),
            ("Body", a.body.clone()),
            ("Status", a.status.as_str().to_string()),
            (
                "Published",
                a.published_at
                    .map(|t| t.to_datetime().to_rfc3339())
                    .unwrap_or_default(),
            ),
            ("Section", a.section_id.to_string()),
            ("Tags", format!("{:?}", a.tag_ids)),
            ("Authors", format!("{:?}", a.author_ids)),
            (
                "Lead image",
                a.lead_media_id.map(|m| m.to_string()).unwrap_or_default(),
            ),
            ("Alt text", a.lead_alt.clone()),
            ("Caption", a.lead_caption.clone()),
            ("Credit", a.lead_credit.clone()),
            ("Newsletter", a.newsletter_topic.clone().unwrap_or_default()),
            ("Comments open", a.comments_open.to_string()),
            ("SEO title", a.seo_title.clone()),
            ("SEO description", a.seo_description.clone()),
        ]
    };
    text(before)
        .into_iter()
        .zip(text(after))
        .filter(|((_, x), (_, y))| x != y)
        .map(|((field, x), (_, y))| (field, x, y))
        .collect()
}

/// How long a preview link works.
pub const PREVIEW_SECONDS: i64 = 48 * 3600;

fn preview_message(id: i64, expires: i64) -> String {
    format!("preview:{id}:{expires}")
}

/// A link that shows an unpublished article to anyone who has it, until it expires.
pub fn preview_path(key: &str, id: i64, now: Timestamp) -> String {
    let expires = now.plus_seconds(PREVIEW_SECONDS).micros() / 1_000_000;
    let signature = crate::secrets::sign(key, &preview_message(id, expires));
    format!("/preview/{id}?expires={expires}&signature={signature}")
}

/// Whether a preview link was made here for this article and has not expired.
pub fn preview_allowed(key: &str, id: i64, expires: i64, signature: &str, now: Timestamp) -> bool {
    now.micros() / 1_000_000 < expires
        && crate::secrets::verify_signature(key, &preview_message(id, expires), signature)
}

/// Keeps what someone is typing in the editor, without saving the article or a revision.
pub async fn autosave(
    db: &Db,
    clock: &Clock,
    article_id: i64,
    user_id: i64,
    fields: &[(String, String)],
) -> AppResult<()> {
    let json = serde_json::to_string(fields).map_err(anyhow::Error::from)?;
    Ok(store::put_autosave(db, article_id, user_id, clock.now(), &json).await?)
}

/// The person's autosaved fields for an article, when newer than its last save.
pub async fn newer_autosave(
    db: &Db,
    article_id: i64,
    user_id: i64,
    version: Timestamp,
) -> AppResult<Option<(Timestamp, Vec<(String, String)>)>> {
    let Some((at, json)) = store::autosave(db, article_id, user_id).await? else {
        return Ok(None);
    };
    if at <= version {
        return Ok(None);
    }
    let fields = serde_json::from_str(&json).map_err(anyhow::Error::from)?;
    Ok(Some((at, fields)))
}

pub async fn discard_autosave(db: &Db, article_id: i64, user_id: i64) -> AppResult<()> {
    Ok(store::delete_autosave(db, article_id, user_id).await?)
}
