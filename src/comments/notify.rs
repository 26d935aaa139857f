//! Mail about comments, sent by the job worker through the mail component: the article's
//! authors hear of each approved comment, moderators of each held one (or in an hourly digest),
//! and a commenter of a reply only when they ticked the box, with a link to stop. Each mail is
//! marked as sent on its comment, so a retried job does not send it again.

use serde::Serialize;

use super::policy::{self, ModerationNotice};
use super::service::may_moderate;
use super::signing;
use super::store::{self, CommentRow};
use crate::accounts::service::{self as accounts, User};
use crate::articles::service::{self as articles, CommentTarget};
use crate::error::AppResult;
use crate::mail;
use crate::mail::MailRoom;
use crate::site::settings::{self, SiteSettings};

#[derive(Serialize)]
struct CommentMail<'a> {
    site_name: &'a str,
    recipient: &'a str,
    headline: &'a str,
    article_url: String,
    author: &'a str,
    email: &'a str,
    text: &'a str,
    reason: &'a str,
    comment_url: String,
    moderate_url: String,
    unsubscribe_url: String,
}

#[derive(Serialize)]
struct DigestMail<'a> {
    site_name: &'a str,
    recipient: &'a str,
    count: usize,
    comments: Vec<DigestItem>,
    queue_url: String,
}

#[derive(Serialize)]
struct DigestItem {
    headline: String,
    author: String,
    email: String,
    excerpt: String,
    reason: String,
}

fn absolute(site: &SiteSettings, path: &str) -> String {
    format!("{}{path}", site.base_url.trim_end_matches('/'))
}

fn context<'a>(
    site: &'a SiteSettings,
    target: &'a CommentTarget,
    row: &'a CommentRow,
    recipient: &'a str,
) -> CommentMail<'a> {
    CommentMail {
        site_name: &site.name,
        recipient,
        headline: &target.headline,
        article_url: absolute(site, target.path.as_deref().unwrap_or("/")),
        author: &row.author_name,
        email: "",
        text: &row.body,
        reason: &row.reason,
        comment_url: absolute(site, &format!("/comments/{}", row.id)),
        moderate_url: absolute(site, &format!("/admin/comments/{}", row.id)),
        unsubscribe_url: String::new(),
    }
}

async fn active_users(ctx: &MailRoom) -> AppResult<Vec<User>> {
    Ok(accounts::users(&ctx.db)
        .await?
        .into_iter()
        .filter(|u| !u.disabled)
        .collect())
}

/// The job behind [`crate::jobs::Job::AnnounceComment`].
pub async fn announce(ctx: &MailRoom, id: i64) -> AppResult<()> {
    let db = &ctx.db;
    let Some(row) = store::by_id(db, id).await? else {
        return Ok(());
    };
    let site = settings::load(db).await?;
    let Some(target) =
        articles::comment_target(db, ctx.clock.now(), site.tz, row.article_id).await?
    else {
        return Ok(());
    };
    let policy = policy::load(db).await?;
    match row.status.as_str() {
        "approved" if !row.authors_notified => {
            if policy.notify_authors {
                for user in active_users(ctx).await? {
                    if target.is_author(&user) && user.email.to_lowercase() != row.author_email {
                        let c = context(&site, &target, &row, &user.name);
                        send(ctx, "comment_approved", &user.email, &c).await?;
                    }
                }
            }
            notify_parent(ctx, &site, &target, &row).await?;
            store::claim_authors_notice(db, id).await?;
        }
        "pending"
            if !row.moderators_notified && policy.notify_moderators == ModerationNotice::Each =>
        {
            for user in active_users(ctx).await? {
                if may_moderate(&user, &target) {
                    let c = CommentMail {
                        email: &row.author_email,
                        ..context(&site, &target, &row, &user.name)
                    };
                    send(ctx, "comment_held", &user.email, &c).await?;
                }
            }
            store::claim_moderators_notice(db, id).await?;
        }
        _ => {}
    }
    Ok(())
}

/// Tells the commenter a reply answers, when they asked to hear of replies.
async fn notify_parent(
    ctx: &MailRoom,
    site: &SiteSettings,
    target: &CommentTarget,
    row: &CommentRow,
) -> AppResult<()> {
    let Some(parent_id) = row.parent_id else {
        return Ok(());
    };
    let Some(parent) = store::by_id(&ctx.db, parent_id).await? else {
        return Ok(());
    };
    let wants = parent.notify_replies
        && parent.status == "approved"
        && !parent.author_email.is_empty()
        && parent.author_email != row.author_email;
    if !wants {
        return Ok(());
    }
    let key = settings::signing_key(&ctx.db).await?;
    let c = CommentMail {
        unsubscribe_url: absolute(
            site,
            &format!(
                "/comments/unsubscribe?c={}&sig={}",
                parent.id,
                signing::unsubscribe(&key, parent.id)
            ),
        ),
        ..context(site, target, row, &parent.author_name)
    };
    send(ctx, "comment_reply", &parent.author_email, &c).await
}

async fn send<S: Serialize>(ctx: &MailRoom, template: &str, to: &str, c: &S) -> AppResult<()> {
    let message = mail::compose(&ctx.templates, template, to, c)?;
    ctx.mailer.send(message).await?;
    Ok(())
}

/// With hourly notices, once the oldest unannounced held comment is an hour old, takes every
/// unannounced one and mails each moderator the ones they may moderate.
pub async fn digest_if_due(ctx: &MailRoom) -> AppResult<()> {
    let db = &ctx.db;
    let policy = policy::load(db).await?;
    if policy.notify_moderators != ModerationNotice::Hourly {
        return Ok(());
    }
    let now = ctx.clock.now();
    match store::oldest_unannounced_held(db).await? {
        Some(oldest) if oldest <= now.plus_seconds(-3600) => {}
        _ => return Ok(()),
    }
    let site = settings::load(db).await?;
    let mut held = Vec::new();
    for id in store::claim_unannounced_held(db).await? {
        if let Some(row) = store::by_id(db, id).await?
            && let Some(t) = articles::comment_target(db, now, site.tz, row.article_id).await?
        {
            held.push((row, t));
        }
    }
    for user in active_users(ctx).await? {
        let comments: Vec<DigestItem> = held
            .iter()
            .filter(|(_, t)| may_moderate(&user, t))
            .map(|(r, t)| DigestItem {
                headline: t.headline.clone(),
                author: r.author_name.clone(),
                email: r.author_email.clone(),
                excerpt: r.body.chars().take(300).collect(),
                reason: r.reason.clone(),
            })
            .collect();
        if comments.is_empty() {
            continue;
        }
        let c = DigestMail {
            site_name: &site.name,
            recipient: &user.name,
            count: comments.len(),
            comments,
            queue_url: absolute(&site, "/admin/comments?status=pending"),
        };
        send(ctx, "comments_digest", &user.email, &c).await?;
    }
    Ok(())
}
