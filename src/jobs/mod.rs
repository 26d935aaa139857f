//! The durable job queue: work that must happen later or survive a crash (publishing a
//! scheduled article, sending mail). Jobs live in the database; any node's worker claims a due
//! job atomically, so each runs on exactly one node; failures retry with exponential backoff.
//! Jobs are idempotent: running one twice does no harm.

mod store;
pub mod workers;

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::accounts::service::LinkPurpose;
use crate::db::{Db, Timestamp, Tx};
use crate::error::AppResult;
use crate::mail::MailRoom;
use crate::{accounts, articles, comments, newsletters, rate_limit};

/// Give up on a job after this many attempts.
pub const MAX_ATTEMPTS: i64 = 10;
/// A claimed job (or batch of a newsletter's readers) is another worker's to take again if not
/// finished within this lease, unless `--claim-lease-seconds` says otherwise. A newsletter
/// batch, the longest step, stops taking new messages a quarter of it before the end.
pub const DEFAULT_CLAIM_LEASE_SECONDS: u64 = 120;

/// Every kind of job, with its payload.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    PublishArticle {
        article_id: i64,
    },
    /// Mail about a comment's approval or hold, to whoever the policy says.
    AnnounceComment {
        comment_id: i64,
    },
    /// The double opt-in mail of a newsletter sign-up.
    ConfirmSubscription {
        subscription_id: i64,
    },
    /// The mail that confirms an unsubscribe.
    AnnounceUnsubscribe {
        subscriber_id: i64,
        newsletter_id: i64,
    },
    /// The send of a newsletter issue; it runs again while retries or other nodes' claims wait.
    SendIssue {
        issue_id: i64,
    },
    /// A password link for whichever active account has the address, if one has.
    PasswordLink {
        email: String,
        purpose: LinkPurpose,
    },
    /// Reads which library items the bodies of the articles after `after` show (queued by a
    /// migration for bodies saved before those were recorded); queues its next batch itself.
    MediaReferences {
        after: i64,
    },
}

impl Job {
    fn kind(&self) -> &'static str {
        match self {
            Job::PublishArticle { .. } => "publish_article",
            Job::AnnounceComment { .. } => "announce_comment",
            Job::ConfirmSubscription { .. } => "confirm_subscription",
            Job::AnnounceUnsubscribe { .. } => "announce_unsubscribe",
            Job::SendIssue { .. } => "send_issue",
            Job::PasswordLink { .. } => "password_link",
            Job::MediaReferences { .. } => "media_references",
        }
    }
}

/// Queues `job` to run at `run_at`. A job with the same `dedupe_key` is replaced, so
/// rescheduling an article moves its one job rather than adding another.
pub async fn enqueue_in(
    tx: &mut Tx,
    job: &Job,
    run_at: Timestamp,
    dedupe_key: Option<&str>,
    now: Timestamp,
) -> AppResult<()> {
    let payload = serde_json::to_string(job).map_err(anyhow::Error::from)?;
    store::enqueue(tx, job.kind(), &payload, run_at, dedupe_key, now).await?;
    Ok(())
}

pub async fn cancel_in(tx: &mut Tx, dedupe_key: &str, now: Timestamp) -> AppResult<()> {
    Ok(store::cancel(tx, dedupe_key, now).await?)
}

pub async fn pending(db: &Db, kind: &str) -> AppResult<i64> {
    Ok(store::pending(db, kind).await?)
}

/// How the queue stands, for the operator's metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueHealth {
    /// Jobs not done yet, due or not.
    pub pending: i64,
    /// Jobs whose time has come.
    pub due: i64,
    /// How long the oldest due job has waited, in seconds (0 when none is due).
    pub oldest_due_seconds: i64,
}

pub async fn health(db: &Db, now: Timestamp) -> AppResult<QueueHealth> {
    let (pending, due, oldest) = store::health(db, now).await?;
    Ok(QueueHealth {
        pending,
        due,
        oldest_due_seconds: oldest.map_or(0, |at| (now.micros() - at.micros()).max(0) / 1_000_000),
    })
}

/// The claim lease in whole seconds, as timestamps count them.
pub fn lease_seconds(ctx: &MailRoom) -> i64 {
    i64::try_from(ctx.claim_lease.as_secs()).unwrap_or(i64::MAX)
}

/// Runs every due job once; returns how many ran. Workers call it on a timer; tests call it
/// directly with a fixed clock.
pub async fn run_due(ctx: &MailRoom, worker: &str) -> AppResult<usize> {
    let (db, clock) = (&ctx.db, &ctx.clock);
    let mut ran = 0;
    loop {
        let now = clock.now();
        let lease_until = now.plus_seconds(lease_seconds(ctx));
        let Some(claimed) = store::claim(db, worker, now, lease_until).await? else {
            return Ok(ran);
        };
        ran += 1;
        let outcome = match serde_json::from_str::<Job>(&claimed.payload) {
            Ok(job) => perform(ctx, &job, worker).await,
            Err(e) => Err(anyhow::anyhow!("unreadable job payload: {e}").into()),
        };
        match outcome {
            Ok(None) => {
                metrics::counter!("broadsheet_jobs_done_total", "kind" => claimed.kind.clone())
                    .increment(1);
                store::complete(db, claimed.id, clock.now()).await?
            }
            Ok(Some(again)) => store::reschedule(db, claimed.id, again).await?,
            Err(e) => {
                metrics::counter!("broadsheet_job_failures_total", "kind" => claimed.kind.clone())
                    .increment(1);
                let message = e.to_string();
                tracing::warn!(
                    job = claimed.id,
                    kind = claimed.kind,
                    attempt = claimed.attempts,
                    error = %message,
                    "job failed; it is tried again with back-off, up to 10 attempts (see the \
                     jobs table's last_error, and broadsheet_job_failures_total)"
                );
                let retry_at = (claimed.attempts < MAX_ATTEMPTS).then(|| {
                    let backoff = 2_i64.saturating_pow(claimed.attempts.clamp(0, 12) as u32);
                    clock.now().plus_seconds(backoff.min(3600))
                });
                store::fail(db, claimed.id, &message, retry_at, clock.now()).await?;
            }
        }
    }
}

/// Does one job; `Some(time)` when it has more to do then.
async fn perform(ctx: &MailRoom, job: &Job, worker: &str) -> AppResult<Option<Timestamp>> {
    match job {
        Job::PublishArticle { article_id } => {
            articles::service::publish_if_due(&ctx.db, &ctx.clock, *article_id).await?
        }
        Job::AnnounceComment { comment_id } => comments::notify::announce(ctx, *comment_id).await?,
        Job::ConfirmSubscription { subscription_id } => {
            newsletters::confirmations::send(ctx, *subscription_id).await?
        }
        Job::AnnounceUnsubscribe {
            subscriber_id,
            newsletter_id,
        } => {
            newsletters::confirmations::send_unsubscribed(ctx, *subscriber_id, *newsletter_id)
                .await?
        }
        Job::SendIssue { issue_id } => {
            return newsletters::sending::run(ctx, *issue_id, worker).await;
        }
        Job::PasswordLink { email, purpose } => accounts::links::send(ctx, email, *purpose).await?,
        Job::MediaReferences { after } => {
            if let Some(last) = articles::service::record_media_after(&ctx.db, *after).await? {
                let now = ctx.clock.now();
                let mut tx = ctx.db.begin().await?;
                let next = Job::MediaReferences { after: last };
                enqueue_in(
                    &mut tx,
                    &next,
                    now,
                    Some(&format!("media-references-{last}")),
                    now,
                )
                .await?;
                tx.commit().await?;
            }
        }
    }
    Ok(None)
}

/// Finished jobs are kept this long, then forgotten: a password-link job carries the address
/// someone typed, and the table should not grow without end.
const KEEP_DONE_SECONDS: i64 = 7 * 24 * 3600;

/// Housekeeping that is safe on every node at once: dropping old commenter and sign-up
/// addresses, the hourly digest of held comments, purging unconfirmed sign-ups, and forgetting
/// expired sessions and links, rate-limit attempts older than any window and finished jobs.
pub async fn maintain(ctx: &MailRoom) -> AppResult<()> {
    comments::moderation::drop_old_addresses(&ctx.db, ctx.clock.now()).await?;
    comments::notify::digest_if_due(ctx).await?;
    newsletters::service::purge(&ctx.db, ctx.clock.now()).await?;
    accounts::service::prune(&ctx.db, ctx.clock.now()).await?;
    rate_limit::prune(&ctx.db, ctx.clock.now()).await?;
    store::forget_done(&ctx.db, ctx.clock.now().plus_seconds(-KEEP_DONE_SECONDS)).await?;
    Ok(())
}

/// Takes back the claims that workers of this host which no longer run (a server killed before
/// this start, a `newsletter send` that crashed) still hold on jobs and newsletter recipients,
/// so their work resumes now; returns how many were taken back. Claims of other hosts wait for
/// their leases.
pub async fn release_dead_claims(db: &Db, now: Timestamp) -> AppResult<u64> {
    let mut released = 0;
    for worker in store::claiming_workers(db, now).await? {
        if workers::is_dead_here(&worker) {
            released += store::release(db, &worker).await?;
        }
    }
    for worker in newsletters::sending::claiming_workers(db, now).await? {
        if workers::is_dead_here(&worker) {
            released += newsletters::sending::release(db, &worker, now).await?;
        }
    }
    Ok(released)
}

/// How often a worker does its housekeeping.
const MAINTENANCE_EVERY: Duration = Duration::from_secs(600);

/// The worker loop of a server: every `interval` it makes the newsletter issues their cadence
/// calls for and runs due jobs, and every ten minutes it does the housekeeping.
pub fn spawn_worker(ctx: MailRoom, interval: Duration) -> tokio::task::JoinHandle<()> {
    let worker = workers::name();
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_maintenance: Option<std::time::Instant> = None;
        loop {
            ticker.tick().await;
            if let Err(e) = newsletters::cadence::plan(&ctx).await {
                e.log_failure("newsletter issues could not be planned; the worker tries again");
            }
            if let Err(e) = run_due(&ctx, &worker).await {
                e.log_failure("the job worker could not run; it tries again every second");
            }
            if last_maintenance.is_none_or(|at| at.elapsed() >= MAINTENANCE_EVERY) {
                last_maintenance = Some(std::time::Instant::now());
                if let Err(e) = maintain(&ctx).await {
                    e.log_failure("housekeeping failed; it runs again in ten minutes");
                }
            }
        }
    })
}
