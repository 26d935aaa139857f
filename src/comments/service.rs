//! The rules of reader comments: validation, WordPress's moderation pipeline with our spam
//! defence, storing a comment with its notification in one transaction, and the discussion an
//! article page shows. Services take the database and the clock, never HTTP types.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono_tz::Tz;
use serde::Serialize;

use super::avatar;
use super::policy::{self, ModerationNotice, Policy};
use super::rules::{self, Facts, Stamp, Status};
use super::signing;
use super::spam::{self, Arrival};
use super::store::{self, CommentRow, NewComment};
use super::text;
use super::views::{self, CommentView, Shape, Threads};
use crate::accounts::service::User;
use crate::accounts::{Capability, allows};
use crate::articles::service::{self as articles, CommentTarget};
use crate::cache::{Changed, Tag};
use crate::clock::Clock;
use crate::db::{Db, Timestamp, Tx, page_total};
use crate::error::{AppError, AppResult, FieldError};
use crate::jobs::{self, Job};
use crate::rate_limit::{self, Limit};
use crate::site::settings;

/// WordPress's limits, in characters.
pub const MAX_COMMENT: usize = 65_525;
pub const MAX_NAME: usize = 245;
pub const MAX_EMAIL: usize = 100;
pub const MAX_URL: usize = 200;

/// Who is sending a comment and how.
#[derive(Debug, Clone, Default)]
pub struct Visitor {
    pub ip: String,
    /// Set when a signed-in member of the newsroom comments.
    pub user: Option<User>,
    pub arrival: Arrival,
}

/// A comment as the form sent it.
#[derive(Debug, Clone, Default)]
pub struct Input {
    pub article_id: i64,
    /// 0 for a top-level comment, as WordPress's `comment_parent`.
    pub parent_id: i64,
    pub name: String,
    pub email: String,
    pub url: String,
    pub body: String,
    pub notify_replies: bool,
    /// The hidden field people never see and robots fill in.
    pub honeypot: String,
    pub form_stamp: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Approved,
    /// Held for a moderator. Spam looks the same to its sender.
    Held,
}

#[derive(Debug, Clone)]
pub struct Posted {
    pub id: i64,
    pub outcome: Outcome,
    /// Where the comment is shown: the article page (with its comment page) and the anchor.
    pub location: String,
    /// For a held comment, the signed proof that lets its author see it.
    pub held_hash: Option<String>,
}

fn field(name: &str, message: &str) -> FieldError {
    FieldError {
        field: name.into(),
        message: message.into(),
    }
}

/// Trims and checks the form, filling a signed-in person's name and email from their account.
pub fn validate(input: &mut Input, user: Option<&User>) -> AppResult<()> {
    input.name = input.name.trim().to_string();
    input.email = input.email.trim().to_lowercase();
    input.url = input.url.trim().to_string();
    input.body = input.body.trim().to_string();
    if let Some(u) = user {
        if input.name.is_empty() {
            input.name = u.name.clone();
        }
        if input.email.is_empty() {
            input.email = u.email.to_lowercase();
        }
    }
    let mut errors = Vec::new();
    let chars = |s: &str| s.chars().count();
    if input.body.is_empty() {
        errors.push(field("comment", "Please type your comment."));
    } else if chars(&input.body) > MAX_COMMENT {
        errors.push(field(
            "comment",
            "Your comment is too long: keep it under 65,525 characters.",
        ));
    }
    if input.name.is_empty() {
        errors.push(field("author", "Please enter your name."));
    } else if chars(&input.name) > MAX_NAME {
        errors.push(field(
            "author",
            "Your name is too long: keep it under 245 characters.",
        ));
    }
    if input.email.is_empty() {
        errors.push(field("email", "Please enter your email address."));
    } else if chars(&input.email) > MAX_EMAIL {
        errors.push(field(
            "email",
            "Your email address is too long: keep it under 100 characters.",
        ));
    } else if input.email.parse::<lettre::Address>().is_err() || !input.email.contains('.') {
        errors.push(field("email", "Please enter a valid email address."));
    }
    if !input.url.is_empty() {
        let lower = input.url.to_ascii_lowercase();
        let scheme_ok = lower.starts_with("http://") || lower.starts_with("https://");
        if chars(&input.url) > MAX_URL {
            errors.push(field(
                "url",
                "Your website address is too long: keep it under 200 characters.",
            ));
        } else if !scheme_ok || url::Url::parse(&input.url).is_err() {
            errors.push(field(
                "url",
                "Enter a website address that starts with http:// or https://.",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(errors))
    }
}

/// Whether `user` may moderate the comments of `target`: editors and above everywhere, authors
/// on their own articles.
pub fn may_moderate(user: &User, target: &CommentTarget) -> bool {
    allows(user.role, Capability::ModerateComments)
        || (allows(user.role, Capability::PublishOwnArticle) && target.is_author(user))
}

/// Whether comments on an article are open now: its own switch, and the automatic close after
/// the policy's number of days.
pub fn is_open(
    policy: &Policy,
    open: bool,
    published_at: Option<Timestamp>,
    now: Timestamp,
) -> bool {
    let expired = policy.close_after_days > 0
        && published_at.is_some_and(|p| p.plus_seconds(policy.close_after_days * 86_400) < now);
    open && !expired
}

pub async fn submit(
    db: &Db,
    clock: &Clock,
    mut input: Input,
    visitor: Visitor,
) -> AppResult<Posted> {
    let now = clock.now();
    let policy = policy::load(db).await?;
    let site = settings::load(db).await?;
    let key = settings::signing_key(db).await?;
    validate(&mut input, visitor.user.as_ref())?;
    let target = articles::comment_target(db, now, site.tz, input.article_id)
        .await?
        .filter(|t| t.path.is_some())
        .ok_or_else(|| AppError::not_found("there is no published article to comment on"))?;
    if !is_open(&policy, target.comments_open, target.published_at, now) {
        return Err(AppError::Forbidden(
            "Sorry, comments are closed for this item.".into(),
        ));
    }
    let (parent_id, depth) = place_reply(db, &policy, &target, input.parent_id).await?;
    if store::is_duplicate(
        db,
        target.id,
        parent_id,
        &input.name,
        &input.email,
        &input.body,
    )
    .await?
    {
        return Err(AppError::Conflict {
            code: "comment_duplicate",
            message: "Duplicate comment detected; it looks as though you’ve already said that!"
                .into(),
        });
    }
    let privileged = visitor
        .user
        .as_ref()
        .is_some_and(|u| may_moderate(u, &target));
    if !privileged {
        reserve_pace(db, &policy, &visitor.ip, &input.email, now).await?;
    }
    let stamp = signing::read_form_stamp(&key, &input.form_stamp, now);
    let arrival = Arrival {
        fill_seconds: match stamp {
            Stamp::Age(a) => Some(a),
            _ => None,
        },
        ..visitor.arrival.clone()
    };
    let (features, links) = read_text(&input, &arrival).await?;
    let verdict = classify(db, &features).await?;
    let has_approved_before = store::has_approved(db, &input.name, &input.email).await?;
    let haystack = [
        input.name.as_str(),
        input.email.as_str(),
        input.url.as_str(),
        input.body.as_str(),
        visitor.ip.as_str(),
        arrival.user_agent.as_str(),
    ];
    let (status, reason) = rules::decide(&Facts {
        policy: &policy,
        privileged,
        links,
        haystack: &haystack,
        has_approved_before,
        honeypot_filled: !input.honeypot.trim().is_empty(),
        stamp,
        verdict: verdict.as_ref(),
    });
    let features_text = features.join("\n");
    let mut tx = db.begin().await?;
    let id = store::insert(
        &mut tx,
        &NewComment {
            article_id: target.id,
            parent_id,
            depth,
            user_id: visitor.user.as_ref().map(|u| u.id),
            name: &input.name,
            email: &input.email,
            url: &input.url,
            body: &input.body,
            status: status.as_str(),
            reason: &reason,
            spam_score: verdict.as_ref().map(spam::Verdict::percent),
            features: &features_text,
            notify_replies: input.notify_replies,
            ip: &visitor.ip,
            user_agent: &arrival.user_agent,
            now,
        },
        None,
    )
    .await?;
    let announce = match status {
        Status::Approved => Announce::Approval,
        Status::Pending if policy.notify_moderators == ModerationNotice::Each => Announce::Hold,
        _ => Announce::Nothing,
    };
    let public = status == Status::Approved;
    after_change(&mut tx, target.id, id, announce, public, now).await?;
    tx.commit().await?;
    tracing::info!(
        comment = id,
        article = target.id,
        status = status.as_str(),
        reason,
        "comment received"
    );
    let path = target.path.unwrap_or_default();
    let page = page_of(db, &policy, target.id, id, status != Status::Approved).await?;
    let query = page_query(page);
    Ok(match status {
        Status::Approved => Posted {
            id,
            outcome: Outcome::Approved,
            location: format!("{path}{query}#comment-{id}"),
            held_hash: None,
        },
        Status::Pending | Status::Spam => {
            let hash = signing::held_hash(&key, id);
            let sep = if query.is_empty() { '?' } else { '&' };
            Posted {
                id,
                outcome: Outcome::Held,
                location: format!(
                    "{path}{query}{sep}unapproved={id}&moderation-hash={hash}#comment-{id}"
                ),
                held_hash: Some(hash),
            }
        }
    })
}

/// A comment's spam features and link count, read on the CPU pool: linear in the text, but a
/// body can be 64 KB.
async fn read_text(input: &Input, arrival: &Arrival) -> AppResult<(Vec<String>, usize)> {
    let (input, arrival) = (input.clone(), arrival.clone());
    Ok(crate::cpu::run(move || {
        let features = spam::features(&spam::Submission {
            name: &input.name,
            email: &input.email,
            url: &input.url,
            body: &input.body,
            arrival: &arrival,
        });
        (features, text::count_links(&input.body))
    })
    .await?)
}

/// The classifier's verdict on a comment's features, from what moderators have taught it.
pub async fn classify(db: &Db, features: &[String]) -> AppResult<Option<spam::Verdict>> {
    Ok(spam::score(
        features,
        &store::model_for(db, features).await?,
    ))
}

/// Where a reply goes: under its parent, which must be an approved comment of the same article;
/// a reply to the deepest level joins that level, beside the comment it answers.
async fn place_reply(
    db: &Db,
    policy: &Policy,
    target: &CommentTarget,
    parent_id: i64,
) -> AppResult<(Option<i64>, i64)> {
    if parent_id == 0 {
        return Ok((None, 1));
    }
    let parent = store::by_id(db, parent_id)
        .await?
        .filter(|p| p.article_id == target.id && p.status == "approved")
        .ok_or_else(|| {
            AppError::Forbidden("Sorry, replies to unapproved comments are not allowed.".into())
        })?;
    if parent.depth < policy.thread_depth {
        Ok((Some(parent.id), parent.depth + 1))
    } else {
        Ok((parent.parent_id, parent.depth))
    }
}

/// WordPress's flood rule (one comment per `flood_seconds` from an address or an email) and
/// our hourly per-address limit, reserved before the comment is scored or stored so that
/// parallel posts meet them as serial ones do (see [`crate::rate_limit`]).
async fn reserve_pace(
    db: &Db,
    policy: &Policy,
    ip: &str,
    email: &str,
    now: Timestamp,
) -> AppResult<()> {
    let address = rate_limit::address_key(ip);
    let mut limits = Vec::with_capacity(3);
    if policy.flood_seconds > 0 {
        limits.push(Limit::new(
            format!("comment-email:{email}"),
            1,
            policy.flood_seconds,
        ));
        if !ip.is_empty() {
            limits.push(Limit::new(
                format!("comment-address:{address}"),
                1,
                policy.flood_seconds,
            ));
        }
    }
    if !ip.is_empty() {
        limits.push(Limit::new(
            format!("comment-hour:{address}"),
            policy.hourly_per_ip,
            3600,
        ));
    }
    match rate_limit::reserve(db, now, &limits).await? {
        Ok(_admitted) => Ok(()),
        Err(limit) if limit.scope.starts_with("comment-hour:") => Err(AppError::TooFast(
            "This address has sent too many comments this hour; try again later.".into(),
        )),
        Err(_) => Err(AppError::TooFast(
            "You are posting comments too quickly. Slow down.".into(),
        )),
    }
}

/// Which mail a change of status sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Announce {
    Nothing,
    /// The article's authors, and the parent's commenter if they asked for replies.
    Approval,
    /// The moderators.
    Hold,
}

/// What a change to a comment on `article_id` reaches: the article's page, its card (which
/// shows the count) and the site's lists of comments.
pub(super) fn shown_by(article_id: i64) -> Changed {
    Changed::only([Tag::article(article_id), Tag::COMMENTS])
}

/// Inside the transaction that changed a comment's status: keep the article's count, tell the
/// page caches when readers see the change (`public`: the comment is or was approved; a comment
/// held, marked spam or trashed unseen changes no page), and queue the notification.
pub(super) async fn after_change(
    tx: &mut Tx,
    article_id: i64,
    comment_id: i64,
    announce: Announce,
    public: bool,
    now: Timestamp,
) -> AppResult<()> {
    let count = store::count_approved_in(tx, article_id).await?;
    articles::set_comment_count_in(tx, article_id, count).await?;
    if public {
        tx.changed(shown_by(article_id)).await?;
    }
    let kind = match announce {
        Announce::Nothing => return Ok(()),
        Announce::Approval => "approval",
        Announce::Hold => "hold",
    };
    jobs::enqueue_in(
        tx,
        &Job::AnnounceComment { comment_id },
        now,
        Some(&format!("announce-comment-{comment_id}-{kind}")),
        now,
    )
    .await?;
    Ok(())
}

/// The comment page (`cpage`) that shows `id`, counting a held comment as if it were approved.
async fn page_of(db: &Db, policy: &Policy, article_id: i64, id: i64, held: bool) -> AppResult<i64> {
    let mut rows = store::approved_of_article(db, article_id).await?;
    if held {
        rows.extend(store::by_id(db, id).await?);
    }
    let threads = Threads::new(&rows, None);
    let root = threads.root_of(id).unwrap_or(id);
    let index = threads.top.iter().position(|t| *t == root).unwrap_or(0) as i64;
    Ok(index / policy.per_page + 1)
}

fn page_query(page: i64) -> String {
    if page > 1 {
        format!("?cpage={page}")
    } else {
        String::new()
    }
}

/// What a request for an article page asks of its discussion.
#[derive(Debug, Clone, Default)]
pub struct DiscussionQuery {
    pub page: Option<i64>,
    pub reply_to: Option<i64>,
    /// A held comment and the hash that proves its author is asking.
    pub held: Option<(i64, String)>,
}

/// The article a discussion belongs to, as the article page knows it.
pub struct Article<'a> {
    pub id: i64,
    pub path: &'a str,
    pub comments_open: bool,
    pub published_at: Option<Timestamp>,
}

#[derive(Debug, Serialize)]
pub struct ReplyTo {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct Discussion {
    pub article_id: i64,
    pub path: String,
    pub count: usize,
    pub open: bool,
    pub comments: Vec<CommentView>,
    pub page: i64,
    pub total_pages: i64,
    pub older_url: Option<String>,
    pub newer_url: Option<String>,
    pub reply_to: Option<ReplyTo>,
    /// The blank form under the thread, prepared here rather than in the template because the
    /// article page renders it on every page-cache miss.
    pub form: CommentForm,
    pub feed_url: String,
}

/// What `partials/comment_form.html` shows: the values, errors and limits of the comment form,
/// blank under an article or as the reader typed them when they need attention.
#[derive(Debug, Serialize)]
pub struct CommentForm {
    pub article_id: i64,
    pub parent_id: i64,
    pub author: String,
    pub email: String,
    pub url: String,
    pub comment: String,
    pub subscribe_replies: bool,
    pub remember: bool,
    pub form_stamp: String,
    pub errors: Vec<FieldError>,
    /// The message beside each field, empty where there is none.
    pub field_errors: std::collections::BTreeMap<&'static str, String>,
    pub max_comment: usize,
    pub max_name: usize,
    pub max_email: usize,
    pub max_url: usize,
}

impl CommentForm {
    pub fn blank(article_id: i64, parent_id: i64, form_stamp: String) -> Self {
        CommentForm {
            article_id,
            parent_id,
            author: String::new(),
            email: String::new(),
            url: String::new(),
            comment: String::new(),
            subscribe_replies: false,
            remember: false,
            form_stamp,
            errors: Vec::new(),
            field_errors: ["comment", "author", "email", "url"]
                .into_iter()
                .map(|f| (f, String::new()))
                .collect(),
            max_comment: MAX_COMMENT,
            max_name: MAX_NAME,
            max_email: MAX_EMAIL,
            max_url: MAX_URL,
        }
    }

    /// Puts each error beside its field and keeps the list for the summary.
    pub fn with_errors(mut self, errors: &[FieldError]) -> Self {
        for (field, message) in &mut self.field_errors {
            if let Some(e) = errors.iter().find(|e| e.field == *field) {
                message.clone_from(&e.message);
            }
        }
        self.errors = errors.to_vec();
        self
    }
}

pub async fn discussion(
    db: &Db,
    now: Timestamp,
    tz: Tz,
    article: &Article<'_>,
    query: &DiscussionQuery,
) -> AppResult<Discussion> {
    let policy = policy::load(db).await?;
    let key = settings::signing_key(db).await?;
    let mut rows = store::approved_of_article(db, article.id).await?;
    let count = rows.len();
    let mut awaiting = None;
    if let Some((id, hash)) = &query.held
        && signing::held_hash_matches(&key, *id, hash)
    {
        let held = store::by_id(db, *id).await?.filter(|c| {
            c.article_id == article.id && (c.status == "pending" || c.status == "spam")
        });
        if let Some(c) = held {
            awaiting = Some(c.id);
            rows.push(c);
        }
    }
    let open = is_open(&policy, article.comments_open, article.published_at, now);
    let threads = Threads::new(&rows, awaiting);
    let total_pages = ((threads.top.len() as i64 + policy.per_page - 1) / policy.per_page).max(1);
    let page = query.page.unwrap_or(1);
    if page < 1 || page > total_pages {
        return Err(AppError::not_found(format!(
            "there is no comment page {page} here; the last is {total_pages}"
        )));
    }
    let start = ((page - 1) * policy.per_page) as usize;
    let end = (start + policy.per_page as usize).min(threads.top.len());
    let shape = Shape {
        key: &key,
        tz,
        max_depth: policy.thread_depth,
        open,
        path: article.path,
    };
    let comments = threads.build(&threads.top[start..end], &shape);
    let reply_to = match query.reply_to {
        Some(id) if open => rows
            .iter()
            .find(|r| r.id == id && r.status == "approved" && r.depth < policy.thread_depth)
            .map(|r| ReplyTo {
                id: r.id,
                name: r.author_name.clone(),
            }),
        _ => None,
    };
    let link = |p: i64| format!("{}{}#comments", article.path, page_query(p));
    Ok(Discussion {
        article_id: article.id,
        path: article.path.to_string(),
        count,
        open,
        comments,
        page,
        total_pages,
        older_url: (page > 1).then(|| link(page - 1)),
        newer_url: (page < total_pages).then(|| link(page + 1)),
        form: CommentForm::blank(
            article.id,
            reply_to.as_ref().map_or(0, |r| r.id),
            signing::form_stamp(&key, now),
        ),
        reply_to,
        feed_url: format!("{}/feed", article.path),
    })
}

/// A fresh form stamp, for the script that refreshes a cached page's.
pub async fn fresh_stamp(db: &Db, now: Timestamp) -> AppResult<String> {
    Ok(signing::form_stamp(&settings::signing_key(db).await?, now))
}

/// One comment rendered as the thread shows it, for the script that posts without reloading.
pub async fn rendered(db: &Db, tz: Tz, posted: &Posted) -> AppResult<CommentView> {
    let key = settings::signing_key(db).await?;
    let row = store::by_id(db, posted.id)
        .await?
        .ok_or_else(|| AppError::not_found("no such comment"))?;
    let policy = policy::load(db).await?;
    let path = posted.location.split(['?', '#']).next().unwrap_or("");
    let shape = Shape {
        key: &key,
        tz,
        max_depth: policy.thread_depth,
        open: true,
        path,
    };
    Ok(views::comment(
        &row,
        row.depth,
        posted.outcome == Outcome::Held,
        &shape,
    ))
}

/// Where an approved comment is shown, for permalinks from feeds and mail.
pub async fn location(db: &Db, now: Timestamp, tz: Tz, id: i64) -> AppResult<String> {
    let missing = || AppError::not_found("there is no such comment");
    let row = store::by_id(db, id)
        .await?
        .filter(|c| c.status == "approved")
        .ok_or_else(missing)?;
    let path = articles::comment_target(db, now, tz, row.article_id)
        .await?
        .and_then(|t| t.path)
        .ok_or_else(missing)?;
    let policy = policy::load(db).await?;
    let page = page_of(db, &policy, row.article_id, id, false).await?;
    Ok(format!("{path}{}#comment-{id}", page_query(page)))
}

/// An item of a comments feed; never an email or an address.
#[derive(Debug, Serialize)]
pub struct FeedItem {
    pub id: i64,
    pub title: String,
    pub author: String,
    pub html: String,
    pub published: String,
    pub link: String,
}

/// The newest approved comments of an article, or of the site when `article_id` is `None`.
pub async fn feed(
    db: &Db,
    now: Timestamp,
    tz: Tz,
    article_id: Option<i64>,
) -> AppResult<Vec<FeedItem>> {
    let rows = store::latest_approved(db, article_id, 30).await?;
    let mut headlines = HashMap::new();
    let mut items = Vec::new();
    for row in rows {
        if let Entry::Vacant(slot) = headlines.entry(row.article_id) {
            let target = articles::comment_target(db, now, tz, row.article_id).await?;
            slot.insert(target.filter(|t| t.path.is_some()));
        }
        let Some(Some(target)) = headlines.get(&row.article_id) else {
            continue;
        };
        items.push(FeedItem {
            id: row.id,
            title: format!("Comment on {} by {}", target.headline, row.author_name),
            author: row.author_name.clone(),
            html: text::render(&row.body),
            published: row.created_at.to_datetime().to_rfc2822(),
            link: format!("/comments/{}", row.id),
        });
    }
    Ok(items)
}

/// Stops reply mail to the commenter of `comment_id`, for the link in that mail.
pub async fn stop_reply_mail(db: &Db, comment_id: i64, signature: &str) -> AppResult<u64> {
    let key = settings::signing_key(db).await?;
    if !signing::unsubscribe_matches(&key, comment_id, signature) {
        return Err(AppError::Gone(
            "this unsubscribe link is not valid; use the link in the latest email".into(),
        ));
    }
    let row = store::by_id(db, comment_id)
        .await?
        .ok_or_else(|| AppError::Gone("that comment no longer exists".into()))?;
    if row.author_email.is_empty() {
        return Ok(0);
    }
    Ok(store::stop_reply_mail(db, &row.author_email).await?)
}

pub(super) async fn row(db: &Db, id: i64) -> AppResult<CommentRow> {
    store::by_id(db, id)
        .await?
        .ok_or_else(|| AppError::not_found("there is no such comment"))
}

/// A comment brought in whole, with its status decided elsewhere: the demo newsroom's
/// conversation, or an import.
pub struct Imported<'a> {
    pub article_id: i64,
    pub parent_id: Option<i64>,
    pub depth: i64,
    pub name: &'a str,
    pub email: &'a str,
    pub url: &'a str,
    pub body: &'a str,
    pub status: &'a str,
    pub created_at: Timestamp,
    /// The address it was sent from, kept (and dropped later) like a new comment's.
    pub ip: &'a str,
    pub arrival: &'a Arrival,
    /// Count it as a moderator's decision for the classifier.
    pub train: bool,
    /// The id it had elsewhere, when free (see [`crate::db::Tx::id_is_free`]).
    pub id: Option<i64>,
}

pub async fn import_in(tx: &mut Tx, c: &Imported<'_>) -> AppResult<i64> {
    let features = spam::features(&spam::Submission {
        name: c.name,
        email: c.email,
        url: c.url,
        body: c.body,
        arrival: c.arrival,
    });
    let id = store::insert(
        tx,
        &NewComment {
            article_id: c.article_id,
            parent_id: c.parent_id,
            depth: c.depth,
            user_id: None,
            name: c.name,
            email: c.email,
            url: c.url,
            body: c.body,
            status: c.status,
            reason: "",
            spam_score: None,
            features: &features.join("\n"),
            notify_replies: false,
            ip: c.ip,
            user_agent: &c.arrival.user_agent,
            now: c.created_at,
        },
        c.id,
    )
    .await?;
    store::mark_announced(tx, id).await?;
    if c.train {
        let spam = c.status == "spam";
        store::train(tx, &features, spam, 1).await?;
        store::set_trained(tx, id, Some(if spam { "spam" } else { "ham" })).await?;
    }
    Ok(id)
}

/// A comment as an export writes it out.
pub use super::store::CommentRow as StoredComment;

/// Every comment of an article, held, spam and trash too: for an export of the whole site,
/// which the operator runs and which keeps addresses as the database does.
pub async fn all_of_article(db: &Db, article_id: i64) -> AppResult<Vec<StoredComment>> {
    Ok(store::all_of_article(db, article_id).await?)
}

/// Removes every comment and what the classifier learnt, when all content is replaced.
pub async fn delete_all_in(tx: &mut Tx) -> AppResult<()> {
    Ok(store::delete_all(tx).await?)
}

/// Recounts an article's approved comments after an import.
pub async fn recount_in(tx: &mut Tx, article_id: i64) -> AppResult<()> {
    let count = store::count_approved_in(tx, article_id).await?;
    articles::set_comment_count_in(tx, article_id, count).await
}

pub use super::store::{PublicFilter, PublicOrder};

/// A generated avatar as a standalone SVG file.
pub fn avatar_file(seed: &str, size: u32) -> String {
    super::avatar::svg(seed, size).replacen(
        "<svg ",
        "<svg xmlns=\"http://www.w3.org/2000/svg\" ",
        1,
    )
}

/// The address of the generated avatar of `who` (an email, or any stable name); `?s=` sets
/// its size.
pub fn avatar_path(key: &str, who: &str) -> String {
    format!("/avatars/{}.svg", avatar::seed(key, who))
}

/// An approved comment as anyone may see it: no address, no IP, no moderation notes.
#[derive(Debug, Clone)]
pub struct PublicComment {
    pub id: i64,
    pub article_id: i64,
    pub parent_id: Option<i64>,
    pub author_name: String,
    pub author_url: String,
    /// The text as the article page shows it.
    pub html: String,
    pub created_at: Timestamp,
    /// Its place on the article's page (`/…/slug#comment-12`).
    pub path: String,
    /// The generated avatar's address, without the size.
    pub avatar: String,
    /// False only for one's own comment just sent and held.
    pub approved: bool,
}

async fn article_path(db: &Db, now: Timestamp, tz: Tz, article_id: i64) -> AppResult<String> {
    let target = articles::comment_target(db, now, tz, article_id).await?;
    Ok(target.and_then(|t| t.path).unwrap_or_default())
}

fn to_public(row: CommentRow, page: &str, key: &str) -> PublicComment {
    PublicComment {
        id: row.id,
        article_id: row.article_id,
        parent_id: row.parent_id,
        path: format!("{page}#comment-{}", row.id),
        html: text::render(&row.body),
        avatar: avatar_path(key, &row.author_email),
        approved: row.status == "approved",
        author_name: row.author_name,
        author_url: row.author_url,
        created_at: row.created_at,
    }
}

/// A comment sent through the WordPress REST API. Someone not signed in is refused unless the
/// site allows it (`rest_anonymous`, off by default as in WordPress); then the form's rules all
/// apply. Answers the comment as its sender may see it, held or not.
pub async fn submit_from_api(
    db: &Db,
    clock: &Clock,
    input: Input,
    visitor: Visitor,
) -> AppResult<PublicComment> {
    let policy = policy::load(db).await?;
    if visitor.user.is_none() && !policy.rest_anonymous {
        return Err(AppError::Unauthorized(
            "Sorry, you must be logged in to comment.".into(),
        ));
    }
    let posted = submit(db, clock, input, visitor).await?;
    let row = row(db, posted.id).await?;
    let tz = settings::load(db).await?.tz;
    let page = article_path(db, clock.now(), tz, row.article_id).await?;
    Ok(to_public(row, &page, &settings::signing_key(db).await?))
}

/// A page of the approved comments of published articles that `filter` keeps, and how many
/// there are in all.
pub async fn public(
    db: &Db,
    now: Timestamp,
    tz: Tz,
    filter: &PublicFilter,
    order: (PublicOrder, bool),
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<PublicComment>, i64)> {
    let rows = store::public_page(db, now, filter, order, limit, offset).await?;
    let total = page_total(offset, limit, rows.len(), || {
        store::public_count(db, now, filter)
    })
    .await?;
    let key = settings::signing_key(db).await?;
    let mut paths: HashMap<i64, String> = HashMap::new();
    let mut comments = Vec::with_capacity(rows.len());
    for row in rows {
        if let Entry::Vacant(slot) = paths.entry(row.article_id) {
            slot.insert(article_path(db, now, tz, row.article_id).await?);
        }
        let page = paths.get(&row.article_id).cloned().unwrap_or_default();
        comments.push(to_public(row, &page, &key));
    }
    Ok((comments, total))
}
