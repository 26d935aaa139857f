//! What moderators do: the queue with its counts and filters, the actions of WordPress's comment
//! screen (one at a time or in bulk, in one transaction), editing, replying from the admin, and
//! the privacy tools that export or erase what is stored for an email address. Spam and not-spam
//! decisions train the classifier; changing one's mind untrains the earlier decision.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono_tz::Tz;
use serde::Serialize;

use super::policy;
use super::service::{self, Announce, Input, Visitor, after_change, may_moderate, row};
use super::store::{self, CommentRow, QueueFilter};
use super::text;
use crate::accounts::service::User;
use crate::accounts::{Capability, allows};
use crate::articles::service::{self as articles, CommentTarget};
use crate::clock::Clock;
use crate::db::{Db, Timestamp, Tx};
use crate::error::{AppError, AppResult};
use crate::site::dates;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Approve,
    Unapprove,
    Spam,
    NotSpam,
    Trash,
    Restore,
    Delete,
}

impl Action {
    pub fn parse(s: &str) -> Option<Action> {
        Some(match s {
            "approve" => Action::Approve,
            "unapprove" => Action::Unapprove,
            "spam" => Action::Spam,
            "notspam" => Action::NotSpam,
            "trash" => Action::Trash,
            "restore" => Action::Restore,
            "delete" => Action::Delete,
            _ => return None,
        })
    }
}

pub const STATUSES: [&str; 4] = ["pending", "approved", "spam", "trash"];

/// The comments `user` may moderate: all of them, or those on the listed articles.
async fn scope(db: &Db, user: &User) -> AppResult<Option<Vec<i64>>> {
    if allows(user.role, Capability::ModerateComments) {
        Ok(None)
    } else if allows(user.role, Capability::PublishOwnArticle) {
        Ok(Some(articles::authored_article_ids(db, user).await?))
    } else {
        Err(AppError::Forbidden(format!(
            "your role ({}) may not moderate comments",
            user.role.as_str()
        )))
    }
}

async fn target_of(db: &Db, now: Timestamp, tz: Tz, row: &CommentRow) -> AppResult<CommentTarget> {
    articles::comment_target(db, now, tz, row.article_id)
        .await?
        .ok_or_else(|| AppError::not_found("the comment's article no longer exists"))
}

async fn guarded(
    db: &Db,
    now: Timestamp,
    tz: Tz,
    user: &User,
    id: i64,
) -> AppResult<(CommentRow, CommentTarget)> {
    let row = row(db, id).await?;
    let target = target_of(db, now, tz, &row).await?;
    if !may_moderate(user, &target) {
        return Err(AppError::Forbidden(
            "you may moderate comments only on your own articles".into(),
        ));
    }
    Ok((row, target))
}

/// Applies `action` to each of `ids` in one transaction: all or nothing.
pub async fn apply(
    db: &Db,
    clock: &Clock,
    tz: Tz,
    user: &User,
    ids: &[i64],
    action: Action,
) -> AppResult<usize> {
    let now = clock.now();
    let mut rows = Vec::with_capacity(ids.len());
    for id in ids {
        rows.push(guarded(db, now, tz, user, *id).await?.0);
    }
    let mut tx = db.begin().await?;
    for row in &rows {
        apply_in(&mut tx, row, action, now).await?;
    }
    tx.commit().await?;
    Ok(rows.len())
}

async fn apply_in(tx: &mut Tx, row: &CommentRow, action: Action, now: Timestamp) -> AppResult<()> {
    let current = row.status.as_str();
    let (next, training) = match action {
        Action::Approve => ("approved", Some("ham")),
        Action::Unapprove => ("pending", None),
        Action::Spam => ("spam", Some("spam")),
        Action::NotSpam => ("pending", Some("ham")),
        Action::Trash => ("trash", None),
        Action::Restore => (row.trashed_from.as_deref().unwrap_or("pending"), None),
        Action::Delete => {
            if current != "trash" && current != "spam" {
                return Err(AppError::Conflict {
                    code: "comment_not_trashed",
                    message:
                        "move a comment to the trash or mark it as spam before deleting it for good"
                            .into(),
                });
            }
            store::delete(tx, row.id, row.parent_id).await?;
            // Its replies move up to its parent, which readers may see.
            return after_change(tx, row.article_id, row.id, Announce::Nothing, true, now).await;
        }
    };
    let trashed_from = (next == "trash").then_some(current);
    store::set_status(tx, row.id, next, trashed_from, now).await?;
    if let Some(class) = training {
        retrain(tx, row, class).await?;
    }
    if next == current {
        return Ok(());
    }
    let announce = if next == "approved" {
        Announce::Approval
    } else {
        Announce::Nothing
    };
    let public = current == "approved" || next == "approved";
    after_change(tx, row.article_id, row.id, announce, public, now).await
}

/// Moves a comment's features to the class a moderator chose, undoing an earlier choice.
async fn retrain(tx: &mut Tx, row: &CommentRow, class: &str) -> AppResult<()> {
    if row.trained_as.as_deref() == Some(class) || row.features.is_empty() {
        return Ok(());
    }
    let features: Vec<String> = row.features.lines().map(str::to_string).collect();
    if let Some(previous) = row.trained_as.as_deref() {
        store::train(tx, &features, previous == "spam", -1).await?;
    }
    store::train(tx, &features, class == "spam", 1).await?;
    store::set_trained(tx, row.id, Some(class)).await?;
    Ok(())
}

/// A moderator's correction of a comment; the same limits as the public form.
pub async fn edit(
    db: &Db,
    clock: &Clock,
    tz: Tz,
    user: &User,
    id: i64,
    mut fields: Input,
) -> AppResult<()> {
    let now = clock.now();
    let (row, _) = guarded(db, now, tz, user, id).await?;
    service::validate(&mut fields, None)?;
    let mut tx = db.begin().await?;
    store::edit(
        &mut tx,
        id,
        &store::Edit {
            name: &fields.name,
            email: &fields.email,
            url: &fields.url,
            body: &fields.body,
        },
        now,
    )
    .await?;
    if row.status == "approved" {
        tx.changed(service::shown_by(row.article_id)).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A reply from the admin: approved at once, and a held comment it answers is approved first,
/// as WordPress does.
pub async fn reply(
    db: &Db,
    clock: &Clock,
    tz: Tz,
    user: &User,
    parent_id: i64,
    body: &str,
) -> AppResult<i64> {
    let (parent, target) = guarded(db, clock.now(), tz, user, parent_id).await?;
    if parent.status == "pending" {
        apply(db, clock, tz, user, &[parent_id], Action::Approve).await?;
    }
    let input = Input {
        article_id: target.id,
        parent_id,
        body: body.to_string(),
        ..Input::default()
    };
    let visitor = Visitor {
        user: Some(user.clone()),
        ..Visitor::default()
    };
    Ok(service::submit(db, clock, input, visitor).await?.id)
}

/// A comment as the moderation queue shows it, personal data included: moderators need the
/// address and email to judge and to filter.
#[derive(Debug, Serialize)]
pub struct QueueItem {
    pub id: i64,
    pub article_id: i64,
    pub article: String,
    pub article_url: Option<String>,
    pub parent_id: Option<i64>,
    pub author: String,
    pub email: String,
    pub url: String,
    pub ip: String,
    pub user_agent: String,
    pub status: String,
    pub reason: String,
    pub spam_score: Option<i64>,
    pub trained_as: Option<String>,
    pub html: String,
    pub body: String,
    pub date: String,
}

#[derive(Debug, Serialize)]
pub struct Queue {
    pub items: Vec<QueueItem>,
    pub counts: Vec<(String, i64)>,
    pub total: i64,
    pub page: i64,
    pub total_pages: i64,
}

pub const QUEUE_PAGE: i64 = 50;

pub async fn queue(
    db: &Db,
    now: Timestamp,
    tz: Tz,
    user: &User,
    filter: &QueueFilter,
    page: i64,
) -> AppResult<Queue> {
    let scope = scope(db, user).await?;
    let last_page = |total: i64| ((total + QUEUE_PAGE - 1) / QUEUE_PAGE).max(1);
    let read = |page: i64| {
        store::queue(
            db,
            filter,
            scope.as_deref(),
            QUEUE_PAGE,
            (page - 1) * QUEUE_PAGE,
        )
    };
    // Any page number may arrive in a URL: bound it before multiplying, then past the end show
    // the last page.
    let mut page = page.clamp(1, i64::MAX / QUEUE_PAGE);
    let (mut rows, mut total) = read(page).await?;
    if page > last_page(total) {
        page = last_page(total);
        (rows, total) = read(page).await?;
    }
    let found = store::counts_by_status(db, scope.as_deref()).await?;
    let counts = STATUSES
        .iter()
        .map(|s| {
            let n = found.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
            (s.to_string(), n)
        })
        .collect();
    let mut targets = HashMap::new();
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        if let Entry::Vacant(slot) = targets.entry(r.article_id) {
            slot.insert(target_of(db, now, tz, &r).await?);
        }
        let target = &targets[&r.article_id];
        items.push(item(r, target, tz));
    }
    Ok(Queue {
        items,
        counts,
        total,
        page,
        total_pages: last_page(total),
    })
}

fn item(r: CommentRow, target: &CommentTarget, tz: Tz) -> QueueItem {
    QueueItem {
        id: r.id,
        article_id: r.article_id,
        article: target.headline.clone(),
        article_url: target.path.clone(),
        parent_id: r.parent_id,
        html: text::render(&r.body),
        date: dates::show(r.created_at, tz).human,
        author: r.author_name,
        email: r.author_email,
        url: r.author_url,
        ip: r.ip,
        user_agent: r.user_agent,
        status: r.status,
        reason: r.reason,
        spam_score: r.spam_score,
        trained_as: r.trained_as,
        body: r.body,
    }
}

/// One comment for the admin's edit screen.
pub async fn one(db: &Db, now: Timestamp, tz: Tz, user: &User, id: i64) -> AppResult<QueueItem> {
    let (row, target) = guarded(db, now, tz, user, id).await?;
    Ok(item(row, &target, tz))
}

/// Everything stored for an email address, for a subject-access request.
#[derive(Debug, Serialize)]
pub struct Export {
    pub email: String,
    pub comments: Vec<ExportedComment>,
}

#[derive(Debug, Serialize)]
pub struct ExportedComment {
    pub id: i64,
    pub article_id: i64,
    pub name: String,
    pub email: String,
    pub website: String,
    pub text: String,
    pub status: String,
    pub ip_address: String,
    pub user_agent: String,
    pub notify_replies: bool,
    pub created_at: String,
}

fn privacy_officer(user: &User) -> AppResult<()> {
    if allows(user.role, Capability::ModerateComments) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "only editors and administrators may export or erase personal data".into(),
        ))
    }
}

pub async fn export(db: &Db, user: &User, email: &str) -> AppResult<Export> {
    privacy_officer(user)?;
    let email = email.trim().to_lowercase();
    let comments = store::by_email(db, &email)
        .await?
        .into_iter()
        .map(|r| ExportedComment {
            id: r.id,
            article_id: r.article_id,
            name: r.author_name,
            email: r.author_email,
            website: r.author_url,
            text: r.body,
            status: r.status,
            ip_address: r.ip,
            user_agent: r.user_agent,
            notify_replies: r.notify_replies,
            created_at: r.created_at.to_datetime().to_rfc3339(),
        })
        .collect();
    Ok(Export { email, comments })
}

/// Erases what identifies the person behind `email`: name, email, website, address and browser
/// go; the text stays, signed "Anonymous", so the conversation around it still reads. Returns how
/// many comments were changed.
pub async fn erase(db: &Db, clock: &Clock, user: &User, email: &str) -> AppResult<u64> {
    privacy_officer(user)?;
    let email = email.trim().to_lowercase();
    if email.is_empty() {
        return Err(AppError::BadRequest(
            "give the email address to erase".into(),
        ));
    }
    let mut tx = db.begin().await?;
    let changed = store::anonymise(&mut tx, &email, clock.now()).await?;
    tx.bump_content_version().await?;
    tx.commit().await?;
    Ok(changed)
}

/// Drops addresses and browser names older than the policy keeps them. Idempotent, so every
/// node's worker may run it.
pub async fn drop_old_addresses(db: &Db, now: Timestamp) -> AppResult<u64> {
    let policy = policy::load(db).await?;
    let before = now.plus_seconds(-policy.ip_retention_days * 86_400);
    Ok(store::drop_addresses_before(db, before).await?)
}
