//! Newsletter issues from draft to sent. An editor's issue starts as a draft covering what its
//! newsletter's sections and tags published since its last issue; they write an intro, preview
//! it, send a test to themselves, then schedule it or send it now. Scheduling queues a job that
//! starts the send (see [`super::sending`]) at its time on whichever node is free.

use serde::Serialize;

use super::digest::{self, Rendered};
use super::issue_store::{self, NewIssue};
use super::service::{self, Newsletter};
use crate::articles::digest::{self as stories, Story};
use crate::clock::Clock;
use crate::db::{Db, Timestamp};
use crate::error::{AppError, AppResult, FieldError};
use crate::jobs::{self, Job};
use crate::mail::MailRoom;
use crate::mail::OutgoingMail;
use crate::site::settings::{self, SiteSettings};
use crate::templates::Templates;

pub use issue_store::IssueRow as Issue;

const DAY: i64 = 86_400;

/// How far back an issue reaches when its newsletter has sent none before.
fn first_period(cadence: &str) -> i64 {
    if cadence == "weekly" { 7 * DAY } else { DAY }
}

/// Where the issue's period starts: the end of the newsletter's last issue.
pub(super) async fn covers_from(
    db: &Db,
    n: &Newsletter,
    issue: i64,
    now: Timestamp,
) -> AppResult<Timestamp> {
    Ok(issue_store::last_covered(db, n.id, issue)
        .await?
        .unwrap_or(now.plus_seconds(-first_period(&n.cadence))))
}

fn dated_subject(n: &Newsletter, at: Timestamp, site: &SiteSettings) -> String {
    let date = at.to_datetime().with_timezone(&site.tz).format("%-d %B %Y");
    format!("{}, {date}", n.name)
}

/// A new draft issue of newsletter `id` by `user`.
pub async fn create_draft(db: &Db, clock: &Clock, id: i64, user: Option<i64>) -> AppResult<i64> {
    let n = service::get(db, id).await?;
    let site = settings::load(db).await?;
    let now = clock.now();
    let subject = dated_subject(&n, now, &site);
    let from = covers_from(db, &n, 0, now).await?;
    let mut tx = db.begin().await?;
    let issue = issue_store::insert(
        &mut tx,
        &NewIssue {
            newsletter_id: n.id,
            subject: &subject,
            intro: "",
            status: "draft",
            slot: None,
            covers_from: from,
            covers_until: now,
            send_at: None,
            created_by: user,
        },
        now,
    )
    .await?
    .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a draft issue was not created")))?;
    tx.commit().await?;
    Ok(issue)
}

pub async fn get(db: &Db, id: i64) -> AppResult<Issue> {
    issue_store::by_id(db, id)
        .await?
        .ok_or_else(|| AppError::not_found("there is no such issue"))
}

/// The newsletter's latest issues, newest first.
pub async fn list(db: &Db, newsletter: i64) -> AppResult<Vec<Issue>> {
    Ok(issue_store::of_newsletter(db, newsletter, 100).await?)
}

fn field(name: &str, message: &str) -> FieldError {
    FieldError {
        field: name.into(),
        message: message.into(),
    }
}

/// Changes a draft's or scheduled issue's subject and intro.
pub async fn edit(db: &Db, clock: &Clock, id: i64, subject: &str, intro: &str) -> AppResult<()> {
    let (subject, intro) = (subject.trim(), intro.trim());
    let mut errors = Vec::new();
    if subject.is_empty() || subject.chars().count() > 200 {
        errors.push(field(
            "subject",
            "write a subject of at most 200 characters",
        ));
    }
    if intro.chars().count() > 5000 {
        errors.push(field("intro", "keep the intro to at most 5,000 characters"));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let mut tx = db.begin().await?;
    if !issue_store::edit(&mut tx, id, subject, intro, clock.now()).await? {
        return Err(started());
    }
    tx.commit().await?;
    Ok(())
}

fn started() -> AppError {
    AppError::Conflict {
        code: "issue_started",
        message: "this issue has started sending and can no longer change".into(),
    }
}

/// The stories an issue carries: those frozen into it (when it started, or when it was made for
/// one article), else what its sources published in its period so far.
pub(super) async fn stories_of(
    db: &Db,
    issue: &Issue,
    n: &Newsletter,
    until: Timestamp,
    site: &SiteSettings,
) -> AppResult<Vec<Story>> {
    let mut ids = issue_store::articles(db, issue.id).await?;
    if ids.is_empty() && !matches!(issue.status.as_str(), "sending" | "sent") {
        let from = covers_from(db, n, issue.id, until).await?;
        let (sections, tags) = service::sources(db, n.id).await?;
        ids = stories::published_in(db, from, until, &sections, &tags, digest::MAX_STORIES).await?;
    }
    stories::stories(db, until, &ids, site).await
}

/// How many stories the issue carries (or would, if it went out now), without rendering it.
pub async fn story_count(db: &Db, clock: &Clock, id: i64) -> AppResult<usize> {
    let issue = get(db, id).await?;
    let n = service::get(db, issue.newsletter_id).await?;
    let site = settings::load(db).await?;
    Ok(stories_of(db, &issue, &n, clock.now(), &site).await?.len())
}

/// The issue's mail as it would go out now, with placeholders for the readers' links.
async fn render_now(
    db: &Db,
    templates: &Templates,
    issue: &Issue,
    now: Timestamp,
) -> AppResult<(Rendered, usize)> {
    if let Some((html, text)) = issue_store::body(db, issue.id).await? {
        return Ok((Rendered { html, text }, 0));
    }
    let n = service::get(db, issue.newsletter_id).await?;
    let site = settings::load(db).await?;
    let stories = stories_of(db, issue, &n, now, &site).await?;
    let rendered = digest::render(
        templates,
        &site,
        &n,
        &digest::Issue {
            id: issue.id,
            subject: &issue.subject,
            intro: &issue.intro,
            date: issue.send_at.unwrap_or(now).max(now),
            stories: &stories,
        },
    )?;
    Ok((rendered, stories.len()))
}

/// What the editor's preview shows: the HTML mail, with links that go to the public
/// newsletters page instead of any reader's own.
pub struct Preview {
    pub html: String,
    pub stories: usize,
}

pub async fn preview(db: &Db, templates: &Templates, clock: &Clock, id: i64) -> AppResult<Preview> {
    let issue = get(db, id).await?;
    let (rendered, stories) = render_now(db, templates, &issue, clock.now()).await?;
    let public = public_links(db).await?;
    Ok(Preview {
        html: digest::personalise(&rendered.html, &public, &public, true),
        stories,
    })
}

async fn public_links(db: &Db) -> AppResult<String> {
    let site = settings::load(db).await?;
    Ok(format!(
        "{}/newsletters",
        site.base_url.trim_end_matches('/')
    ))
}

/// Sends the issue as it stands to `to` alone, marked as a test.
pub async fn send_test(ctx: &MailRoom, id: i64, to: &str) -> AppResult<()> {
    let issue = get(&ctx.db, id).await?;
    let (rendered, _) = render_now(&ctx.db, &ctx.templates, &issue, ctx.clock.now()).await?;
    let public = public_links(&ctx.db).await?;
    let mail = OutgoingMail {
        to: to.to_string(),
        subject: format!("[Test] {}", issue.subject),
        text: digest::personalise(&rendered.text, &public, &public, false),
        html: Some(digest::personalise(&rendered.html, &public, &public, true)),
        ..OutgoingMail::default()
    };
    ctx.mailer
        .deliver(mail)
        .await
        .map_err(|e| AppError::Unavailable(format!("the test mail was not sent: {e}")))
}

fn job_key(id: i64) -> String {
    format!("send-issue-{id}")
}

/// Schedules the issue for `at` (now, if that has passed).
pub async fn schedule(db: &Db, clock: &Clock, id: i64, at: Timestamp) -> AppResult<()> {
    let now = clock.now();
    let at = at.max(now);
    let mut tx = db.begin().await?;
    if !issue_store::schedule(&mut tx, id, at, now).await? {
        return Err(started());
    }
    jobs::enqueue_in(
        &mut tx,
        &Job::SendIssue { issue_id: id },
        at,
        Some(&job_key(id)),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Takes a scheduled issue back to draft before it starts.
pub async fn unschedule(db: &Db, clock: &Clock, id: i64) -> AppResult<()> {
    let now = clock.now();
    let mut tx = db.begin().await?;
    if !issue_store::unschedule(&mut tx, id, now).await? {
        return Err(started());
    }
    jobs::cancel_in(&mut tx, &job_key(id), now).await?;
    tx.commit().await?;
    Ok(())
}

/// An issue's send in figures.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Figures {
    pub recipients: i64,
    pub waiting: i64,
    pub sent: i64,
    pub failed: i64,
    pub bounced: i64,
    pub unsubscribed: i64,
}

pub async fn figures(db: &Db, id: i64) -> AppResult<Figures> {
    let (by_status, unsubscribed) = issue_store::figures(db, id).await?;
    let mut f = Figures {
        unsubscribed,
        ..Figures::default()
    };
    for (status, n) in by_status {
        f.recipients += n;
        match status.as_str() {
            "sent" => f.sent += n,
            "failed" => f.failed += n,
            "bounced" => f.bounced += n,
            _ => f.waiting += n,
        }
    }
    Ok(f)
}

/// The public copy of an issue behind its view-in-browser link, once it is going out; readers'
/// own links become the newsletters page.
pub async fn public_copy(db: &Db, id: i64) -> AppResult<String> {
    let (html, _) = issue_store::body(db, id)
        .await?
        .ok_or_else(|| AppError::not_found("there is no such issue"))?;
    let public = public_links(db).await?;
    Ok(digest::personalise(&html, &public, &public, true))
}
