//! The send of an issue: a resumable job over the recipients table. Starting freezes the mail
//! and lists the recipients in one transaction; then any number of workers, on any nodes, claim
//! batches of recipients for a short lease, send through the mail component's pooled
//! connections at the configured rate, and record each message's fate the moment the server
//! answers. A node that dies leaves only its unrecorded claims, which another takes over when the
//! lease runs out; each reader's copy carries the same Message-ID every time, so even a message
//! caught between the server's answer and the record stays one message in the reader's inbox at
//! providers that collapse duplicates.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use super::digest::{self, Rendered};
use super::issue_store::{self, Claim, Claimed, Outcome, Start};
use super::issues::{self, Issue};
use super::service::{self, Newsletter};
use crate::db::{Db, Timestamp};
use crate::error::AppResult;
use crate::mail::MailRoom;
use crate::mail::{DeliveryError, OutgoingMail};
use crate::secrets;
use crate::site::settings;

/// Recipients each connection takes in one claim.
const PER_CONNECTION: usize = 50;
/// Tries of one message before it counts as failed.
pub const MAX_ATTEMPTS: i64 = 5;
/// When the mail server cannot be reached, look again after this long.
const SERVER_DOWN_SECONDS: i64 = 60;

/// Runs the send of `issue_id` as far as it can go now. Returns when to run again: while
/// retries wait or other nodes hold claims; `None` once every recipient is done with.
/// Workers holding an unexpired claim on recipients of any issue.
pub async fn claiming_workers(db: &Db, now: Timestamp) -> AppResult<Vec<String>> {
    Ok(issue_store::claiming_workers(db, now).await?)
}

/// Lets `worker`'s claims lapse now, so the next send takes its recipients at once. A message it
/// had in flight may reach its reader twice, with the same `Message-ID`, as after a lease.
pub async fn release(db: &Db, worker: &str, now: Timestamp) -> AppResult<u64> {
    Ok(issue_store::lapse_claims_of(db, worker, now).await?)
}

pub async fn run(ctx: &MailRoom, issue_id: i64, worker: &str) -> AppResult<Option<Timestamp>> {
    run_until(ctx, issue_id, worker, None).await
}

/// [`run`] that stops dead after `messages`, recording nothing more and releasing none of its
/// claims — what a node that dies leaves behind. For crash drills.
pub async fn run_halting_after(
    ctx: &MailRoom,
    issue_id: i64,
    worker: &str,
    messages: usize,
) -> AppResult<Option<Timestamp>> {
    run_until(
        ctx,
        issue_id,
        worker,
        Some(Arc::new(AtomicUsize::new(messages))),
    )
    .await
}

async fn run_until(
    ctx: &MailRoom,
    issue_id: i64,
    worker: &str,
    halt: Option<Arc<AtomicUsize>>,
) -> AppResult<Option<Timestamp>> {
    let mut issue = issues::get(&ctx.db, issue_id).await?;
    if issue.status == "scheduled" {
        start(ctx, &issue).await?;
        issue = issues::get(&ctx.db, issue_id).await?;
    }
    if issue.status != "sending" {
        return Ok(None);
    }
    let letter = Arc::new(Letter::new(ctx, &issue).await?);
    let batch = (ctx.mailer.connections() * PER_CONNECTION) as i64;
    let lease = crate::jobs::lease_seconds(ctx);
    loop {
        let now = ctx.clock.now();
        let claim = Claim {
            issue: issue_id,
            worker,
            now,
            lease_until: now.plus_seconds(lease),
        };
        let claimed = issue_store::claim(&ctx.db, &claim, batch).await?;
        if claimed.is_empty() {
            break;
        }
        // A batch stops taking new messages a quarter of the lease before its end.
        let deadline = Instant::now() + ctx.claim_lease * 3 / 4;
        if !deliver(ctx, &letter, claimed, deadline, halt.clone()).await? {
            return Ok(Some(ctx.clock.now().plus_seconds(SERVER_DOWN_SECONDS)));
        }
        if halt.as_ref().is_some_and(|h| h.load(Ordering::SeqCst) == 0) {
            return Ok(Some(ctx.clock.now().plus_seconds(lease)));
        }
    }
    let now = ctx.clock.now();
    match issue_store::open(&ctx.db, issue_id).await? {
        (0, _) => {
            issue_store::finish(&ctx.db, issue_id, now).await?;
            Ok(None)
        }
        (_, next) => Ok(Some(next.unwrap_or(now).max(now.plus_seconds(1)))),
    }
}

/// Freezes the issue's stories and mail and lists its recipients, unless another node did: the
/// status change comes first in the transaction, so a second node waits on it and then finds the
/// issue started. An automatic issue with nothing to say is skipped instead.
async fn start(ctx: &MailRoom, issue: &Issue) -> AppResult<()> {
    let now = ctx.clock.now();
    let n = service::get(&ctx.db, issue.newsletter_id).await?;
    let site = settings::load(&ctx.db).await?;
    let stories = issues::stories_of(&ctx.db, issue, &n, now, &site).await?;
    if stories.is_empty() && issue.slot.is_some() {
        issue_store::skip(&ctx.db, issue.id, now).await?;
        return Ok(());
    }
    let subject = if issue.subject.is_empty() {
        digest::subject(&n, &stories)
    } else {
        issue.subject.clone()
    };
    let Rendered { html, text } = digest::render(
        &ctx.templates,
        &site,
        &n,
        &digest::Issue {
            id: issue.id,
            subject: &subject,
            intro: &issue.intro,
            date: now,
            stories: &stories,
        },
    )?;
    let ids: Vec<i64> = stories.iter().map(|s| s.id).collect();
    let for_one_article = issue
        .slot
        .as_deref()
        .is_some_and(|s| s.starts_with("article-"));
    let (covers_from, covers_until) = if for_one_article {
        (issue.covers_from, issue.covers_until)
    } else {
        (issues::covers_from(&ctx.db, &n, issue.id, now).await?, now)
    };
    let mut tx = ctx.db.begin().await?;
    let started = issue_store::start(
        &mut tx,
        issue.id,
        &Start {
            subject: &subject,
            covers_from,
            covers_until,
            html: &html,
            text: &text,
        },
        now,
    )
    .await?;
    if let Some(recipients) = started {
        issue_store::set_articles(&mut tx, issue.id, &ids).await?;
        tx.commit().await?;
        tracing::info!(issue = issue.id, recipients, "newsletter issue started");
    }
    Ok(())
}

/// Everything each reader's copy shares.
struct Letter {
    issue: i64,
    newsletter: Newsletter,
    subject: String,
    body: Rendered,
    key: String,
    base_url: String,
    from: Option<String>,
    unsubscribe_mailbox: String,
    domain: String,
}

impl Letter {
    async fn new(ctx: &MailRoom, issue: &Issue) -> AppResult<Letter> {
        let newsletter = service::get(&ctx.db, issue.newsletter_id).await?;
        let (html, text) = issue_store::body(&ctx.db, issue.id)
            .await?
            .unwrap_or_default();
        let site = settings::load(&ctx.db).await?;
        let sender = if newsletter.sender_email.is_empty() {
            ctx.mailer.from_address()
        } else {
            newsletter.sender_email.clone()
        };
        let from = (!newsletter.sender_name.is_empty() || !newsletter.sender_email.is_empty())
            .then(|| {
                let name = if newsletter.sender_name.is_empty() {
                    &newsletter.name
                } else {
                    &newsletter.sender_name
                };
                format!(
                    "\"{}\" <{sender}>",
                    name.replace('\\', "\\\\").replace('"', "\\\"")
                )
            });
        Ok(Letter {
            issue: issue.id,
            subject: issue.subject.clone(),
            body: Rendered { html, text },
            key: settings::signing_key(&ctx.db).await?,
            base_url: site.base_url.trim_end_matches('/').to_string(),
            from,
            domain: sender.rsplit('@').next().unwrap_or("localhost").to_string(),
            unsubscribe_mailbox: sender,
            newsletter,
        })
    }

    /// One reader's copy, with their own links and the RFC 8058 one-click headers.
    fn mail_for(&self, r: &Claimed) -> OutgoingMail {
        let n = &self.newsletter;
        let unsubscribe_query =
            service::unsubscribe_query(&self.key, r.subscriber_id, n.id, self.issue);
        let unsubscribe = format!(
            "{}/newsletters/unsubscribe?{unsubscribe_query}",
            self.base_url
        );
        let preferences = format!(
            "{}/newsletters/preferences?{}",
            self.base_url,
            service::preferences_query(&self.key, r.subscriber_id)
        );
        let mailto = format!(
            "mailto:{}?subject=unsubscribe%20{}",
            self.unsubscribe_mailbox,
            unsubscribe_query.replace('&', "%26").replace('=', "%3D")
        );
        let tag = &secrets::sign(
            &self.key,
            &format!("message:{}:{}", self.issue, r.subscriber_id),
        )[..12];
        OutgoingMail {
            to: r.email.clone(),
            subject: self.subject.clone(),
            text: digest::personalise(&self.body.text, &unsubscribe, &preferences, false),
            html: Some(digest::personalise(
                &self.body.html,
                &unsubscribe,
                &preferences,
                true,
            )),
            from: self.from.clone(),
            reply_to: (!n.reply_to.is_empty()).then(|| n.reply_to.clone()),
            message_id: Some(format!(
                "<issue-{}.reader-{}.{tag}@{}>",
                self.issue, r.subscriber_id, self.domain
            )),
            headers: vec![
                ("List-Unsubscribe", format!("<{unsubscribe}>, <{mailto}>")),
                ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click".into()),
                (
                    "List-Id",
                    format!(
                        "{} <{}.{}>",
                        n.name.replace(['<', '>'], ""),
                        n.slug,
                        self.domain
                    ),
                ),
            ],
        }
    }
}

/// Sends a claimed batch over as many lanes as the mail component has connections, each lane
/// one message at a time. `false` when the mail server could not be reached: the batch's
/// untried recipients go back to the queue.
async fn deliver(
    ctx: &MailRoom,
    letter: &Arc<Letter>,
    claimed: Vec<Claimed>,
    deadline: Instant,
    halt: Option<Arc<AtomicUsize>>,
) -> AppResult<bool> {
    let lanes = ctx.mailer.connections().min(claimed.len()).max(1);
    let mut per_lane: Vec<Vec<Claimed>> = (0..lanes).map(|_| Vec::new()).collect();
    for (i, r) in claimed.into_iter().enumerate() {
        per_lane[i % lanes].push(r);
    }
    let server_down = Arc::new(AtomicBool::new(false));
    let mut tasks = tokio::task::JoinSet::new();
    for lane in per_lane {
        let (ctx, letter, server_down) = (ctx.clone(), letter.clone(), server_down.clone());
        let halt = halt.clone();
        tasks.spawn(async move {
            for r in lane {
                let halted = halt.as_ref().is_some_and(|h| {
                    h.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                        left.checked_sub(1)
                    })
                    .is_err()
                });
                if halted {
                    break;
                }
                let stop = Instant::now() >= deadline || server_down.load(Ordering::Relaxed);
                let outcome = if stop {
                    Err(DeliveryError::Unavailable(String::new()))
                } else {
                    ctx.mailer.throttle().await;
                    ctx.mailer.deliver(letter.mail_for(&r)).await
                };
                let now = ctx.clock.now();
                let retry_at = now.plus_seconds(retry_delay(r.attempts));
                let outcome = match &outcome {
                    Ok(()) => Outcome::Sent,
                    Err(DeliveryError::Permanent(e)) => Outcome::Bounced(e),
                    Err(DeliveryError::Temporary(e)) if r.attempts >= MAX_ATTEMPTS => {
                        Outcome::Failed(e)
                    }
                    Err(DeliveryError::Temporary(e)) => Outcome::Retry(retry_at, e),
                    Err(DeliveryError::Unavailable(e)) => {
                        if !e.is_empty() {
                            tracing::warn!(
                                error = %e,
                                "the mail server cannot be reached; the send waits a minute and \
                                 carries on, nothing is counted against readers: check --smtp-url"
                            );
                            server_down.store(true, Ordering::Relaxed);
                        }
                        Outcome::Released
                    }
                };
                issue_store::record(&ctx.db, letter.issue, r.subscriber_id, &outcome, now).await?;
            }
            Ok::<(), crate::error::AppError>(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.map_err(|e| anyhow::anyhow!("a send lane stopped: {e}"))??;
    }
    Ok(!server_down.load(Ordering::Relaxed))
}

/// Waits between tries of one message after a 4xx: 1, 2, 4, 8 minutes.
fn retry_delay(attempts: i64) -> i64 {
    60 * 2_i64.pow(attempts.clamp(1, 6) as u32 - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off() {
        assert_eq!(
            (1..=4).map(retry_delay).collect::<Vec<_>>(),
            vec![60, 120, 240, 480]
        );
    }
}
