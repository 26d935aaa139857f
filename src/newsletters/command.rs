//! `broadsheet newsletter …`: list newsletters, import readers from another platform, and send
//! an issue from the command line (from cron, or to try a mail set-up), with progress.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

use super::{issues, sending, service};
use crate::clock::Clock;
use crate::commands;
use crate::config::{Common, NewsletterCommand};
use crate::db::Db;
use crate::mail::MailRoom;
use crate::mail::Mailer;
use crate::templates::Templates;

pub async fn run(common: &Common, command: NewsletterCommand) -> anyhow::Result<()> {
    let (data_dir, db) = commands::open(common).await?;
    let clock = Clock::System;
    let result = match command {
        NewsletterCommand::List => list(&db).await,
        NewsletterCommand::Import { newsletter, file } => {
            import(&db, &clock, &newsletter, &file).await
        }
        NewsletterCommand::Send {
            newsletter,
            subject,
            intro,
            theme_dir,
            mail,
        } => {
            let ctx = MailRoom {
                db: db.clone(),
                clock,
                mailer: Arc::new(Mailer::new(&mail, &data_dir)?),
                templates: Arc::new(Templates::load(theme_dir.as_deref())?),
                claim_lease: std::time::Duration::from_secs(
                    crate::jobs::DEFAULT_CLAIM_LEASE_SECONDS,
                ),
            };
            send(&ctx, &newsletter, subject.as_deref(), &intro).await
        }
    };
    db.close().await;
    result
}

async fn list(db: &Db) -> anyhow::Result<()> {
    let audience = service::audience(db).await?;
    println!(
        "{:<28} {:<8} {:>10} {:>8} {:>12}",
        "SLUG", "CADENCE", "READERS", "PENDING", "UNSUBSCRIBED"
    );
    for n in service::all(db).await? {
        let (_, pending, active, gone) = audience
            .iter()
            .find(|a| a.0 == n.id)
            .copied()
            .unwrap_or((n.id, 0, 0, 0));
        println!(
            "{:<28} {:<8} {active:>10} {pending:>8} {gone:>12}",
            n.slug, n.cadence
        );
    }
    Ok(())
}

/// Reads the addresses of `file`, refusing the whole file at its first bad line.
fn read_addresses(file: &Path) -> anyhow::Result<Vec<String>> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let mut emails = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let first = line
            .split(',')
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('"');
        if first.is_empty() || (i == 0 && first.eq_ignore_ascii_case("email")) {
            continue;
        }
        match service::normalise_email(first) {
            Some(email) => emails.push(email),
            None => bail!(
                "{}:{}: {first:?} is not an email address; nothing was imported",
                file.display(),
                i + 1
            ),
        }
    }
    Ok(emails)
}

async fn import(db: &Db, clock: &Clock, slug: &str, file: &Path) -> anyhow::Result<()> {
    let emails = read_addresses(file)?;
    let source = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (added, already) = service::import(db, clock, slug, &emails, &source)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("{added} readers added to {slug}; {already} were on its list already");
    Ok(())
}

/// Rounds without a single message done before the command gives up (a server resumes).
const STALLED_ROUNDS: u32 = 3;

async fn send(
    ctx: &MailRoom,
    slug: &str,
    subject: Option<&str>,
    intro: &str,
) -> anyhow::Result<()> {
    let fail = |e: crate::error::AppError| anyhow::anyhow!("{e}");
    let n = service::all(&ctx.db)
        .await
        .map_err(fail)?
        .into_iter()
        .find(|n| n.slug == slug)
        .ok_or_else(|| anyhow::anyhow!("--newsletter {slug:?}: there is no such newsletter"))?;
    let issue = issues::create_draft(&ctx.db, &ctx.clock, n.id, None)
        .await
        .map_err(fail)?;
    let default_subject = issues::get(&ctx.db, issue).await.map_err(fail)?.subject;
    issues::edit(
        &ctx.db,
        &ctx.clock,
        issue,
        subject.unwrap_or(&default_subject),
        intro,
    )
    .await
    .map_err(fail)?;
    issues::schedule(&ctx.db, &ctx.clock, issue, ctx.clock.now())
        .await
        .map_err(fail)?;

    let started = Instant::now();
    let progress = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} sent, {per_sec}, {eta} left")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let watcher = {
        let (db, progress) = (ctx.db.clone(), progress.clone());
        tokio::spawn(async move {
            loop {
                if let Ok(f) = issues::figures(&db, issue).await {
                    progress.set_length(f.recipients as u64);
                    progress.set_position((f.sent + f.failed + f.bounced) as u64);
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    };
    let worker = crate::jobs::workers::name();
    let done = |f: &issues::Figures| f.sent + f.failed + f.bounced;
    let mut stalled = 0;
    let outcome = loop {
        let before = issues::figures(&ctx.db, issue).await.map_err(fail)?;
        match sending::run(ctx, issue, &worker).await {
            Ok(None) => break Ok(()),
            Ok(Some(at)) => {
                let after = issues::figures(&ctx.db, issue).await.map_err(fail)?;
                stalled = if done(&after) > done(&before) {
                    0
                } else {
                    stalled + 1
                };
                if stalled == STALLED_ROUNDS {
                    break Err(anyhow::anyhow!(
                        "issue {issue} is stuck: {} of {} sent and no progress; is the mail \
                         server reachable? A running server resumes the send",
                        after.sent,
                        after.recipients
                    ));
                }
                let wait = (at.micros() - ctx.clock.now().micros()).clamp(0, 60_000_000);
                tokio::time::sleep(Duration::from_micros(wait as u64)).await;
            }
            Err(e) => break Err(fail(e)),
        }
    };
    watcher.abort();
    progress.finish_and_clear();
    outcome?;
    let took = started.elapsed().as_secs_f64();
    let f = issues::figures(&ctx.db, issue).await.map_err(fail)?;
    println!(
        "issue {issue}: sent {} of {} (failed {}, bounced {}) in {took:.1} s: {:.0} messages/s",
        f.sent,
        f.recipients,
        f.failed,
        f.bounced,
        f.sent as f64 / took.max(0.001)
    );
    Ok(())
}
