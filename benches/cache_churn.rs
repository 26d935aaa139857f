//! The cache-churn load generator (`bench/cache-churn.sh` runs it against a release server, once
//! per invalidation rule). Readers at 64 connections ask for the home page (10 %), a section
//! front (5 %) and stories (85 %), the stories by a Zipf law over the whole archive, newest most
//! read; meanwhile a writer approves a comment on a story chosen the same way every 2 s and
//! edits one every 30 s, through the database as another node would.
//!
//! Usage: cargo bench --bench cache_churn -- BASE_URL DATA_DIR WARM_SECONDS SECONDS TOKEN LABEL
//! [crawl]
//! With `crawl`, every page is first read once, as a site's cache stands after it has served
//! for hours (crawlers and the tail of readers reach every story), so the measure is the steady
//! state; without it the cache starts empty. The first WARM_SECONDS of reading fill the cache
//! further and are not counted. Prints the readers' answers, p50
//! and p99, the page cache's hits and misses over the measured part (from the server's
//! `/metrics`, read with TOKEN), then `hit_ratio_LABEL=`, `repeat_hit_ratio_LABEL=` (leaving out
//! the first read of each page since the start, a miss under any rule: with a Zipf law over
//! 100,000 stories the tail keeps bringing pages nobody read yet) and `p99_ms_LABEL=`.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use broadsheet::accounts::service::User;
use broadsheet::articles::service as articles;
use broadsheet::clock::Clock;
use broadsheet::comments::moderation::{self, Action};
use broadsheet::comments::service::{self as comments, Input, Visitor};
use broadsheet::db::{Db, Timestamp};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const CONNECTIONS: usize = 64;
/// The Zipf law's exponent: the classic one for what a population reads.
const ZIPF_EXPONENT: f64 = 1.0;
const COMMENT_EVERY: Duration = Duration::from_secs(2);
const EDIT_EVERY: Duration = Duration::from_secs(30);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let base = args.next().expect("BASE_URL");
    let data_dir = std::path::PathBuf::from(args.next().expect("DATA_DIR"));
    let warm: u64 = args.next().expect("WARM_SECONDS").parse()?;
    let seconds: u64 = args.next().expect("SECONDS").parse()?;
    let token = args.next().expect("TOKEN");
    let label = args.next().expect("LABEL");
    let crawl = args.next().as_deref() == Some("crawl");

    let url = format!("sqlite://{}", data_dir.join("broadsheet.db").display());
    let db = broadsheet::db::connect(&url, 2).await?;
    let archive = Arc::new(Archive::read(&url).await?);
    let desk = broadsheet::accounts::service::user_by_email(&db, "desk@churn.example").await?;
    println!(
        "{}: {} stories, {} sections; {warm} s to warm, {seconds} s measured",
        label,
        archive.stories.len(),
        archive.sections.len()
    );

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(CONNECTIONS)
        .build()?;
    // Pages asked for since the start: the first read of one is a miss whatever the rule.
    let seen = Arc::new(Mutex::new(HashSet::<String>::new()));
    if crawl {
        let started = Instant::now();
        let pages = archive.every_page();
        let read = crawl_all(&client, &base, &pages).await?;
        seen.lock().expect("seen").extend(pages);
        println!(
            "  crawled {read} pages in {:.0} s",
            started.elapsed().as_secs_f64()
        );
    }
    let until = Instant::now() + Duration::from_secs(warm + seconds);
    let writer = tokio::spawn(write(db.clone(), desk, archive.clone(), until));
    let warmed = Instant::now() + Duration::from_secs(warm);
    let latencies = Arc::new(Mutex::new(Vec::<u64>::new()));
    let errors = Arc::new(Mutex::new(Vec::<String>::new()));
    let first_reads = Arc::new(AtomicU64::new(0));
    let readers: Vec<_> = (0..CONNECTIONS)
        .map(|n| {
            let (client, archive, base) = (client.clone(), archive.clone(), base.clone());
            let (latencies, errors) = (latencies.clone(), errors.clone());
            let (seen, first_reads) = (seen.clone(), first_reads.clone());
            tokio::spawn(async move {
                let mut rng = ChaCha8Rng::seed_from_u64(n as u64);
                let mut mine = Vec::new();
                while Instant::now() < until {
                    let path = archive.pick_page(&mut rng);
                    let first = seen.lock().expect("seen").insert(path.to_string());
                    let started = Instant::now();
                    let answer = match client.get(format!("{base}{path}")).send().await {
                        Ok(r) => {
                            let status = r.status();
                            r.bytes().await.map(|_| status).map_err(|e| e.to_string())
                        }
                        Err(e) => Err(e.to_string()),
                    };
                    match answer {
                        Ok(status) if status.is_success() => {}
                        Ok(status) => errors
                            .lock()
                            .expect("errors")
                            .push(format!("{path}: {status}")),
                        Err(e) => errors.lock().expect("errors").push(format!("{path}: {e}")),
                    }
                    if started >= warmed {
                        mine.push(started.elapsed().as_micros() as u64);
                        if first {
                            first_reads.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                latencies.lock().expect("latencies").extend(mine);
            })
        })
        .collect();
    tokio::time::sleep_until(warmed.into()).await;
    let before = cache_counts(&client, &base, &token).await?;
    for reader in readers {
        reader.await?;
    }
    let after = cache_counts(&client, &base, &token).await?;
    let (approved, edited) = writer.await??;
    db.close().await;

    let mut latencies = Arc::try_unwrap(latencies)
        .map(|m| m.into_inner().expect("latencies"))
        .unwrap_or_default();
    latencies.sort_unstable();
    let percentile = |share: f64| {
        let at = ((latencies.len() as f64 * share).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[at] as f64 / 1000.0
    };
    let (hits, misses) = (after.0 - before.0, after.1 - before.1);
    let ratio = hits / (hits + misses).max(1.0);
    let first = first_reads.load(Ordering::Relaxed) as f64;
    let repeat_ratio = hits / (hits + misses - first).max(1.0);
    println!(
        "  {} answers in {seconds} s, p50 {:.2} ms, p99 {:.2} ms; {approved} comments approved, \
         {edited} stories edited; page cache {hits:.0} hits, {misses:.0} misses, of which \
         {first:.0} first reads of a page",
        latencies.len(),
        percentile(0.5),
        percentile(0.99)
    );
    let errors = errors.lock().expect("errors");
    for error in errors.iter().take(5) {
        println!("  error: {error}");
    }
    println!("errors_{label}={}", errors.len());
    println!("hit_ratio_{label}={ratio:.3}");
    println!("repeat_hit_ratio_{label}={repeat_ratio:.3}");
    println!("p99_ms_{label}={:.2}", percentile(0.99));
    Ok(())
}

/// Reads every page once, `CONNECTIONS` at a time; returns how many answered 200.
async fn crawl_all(
    client: &reqwest::Client,
    base: &str,
    pages: &[String],
) -> anyhow::Result<usize> {
    use futures_util::StreamExt;
    let answers: Vec<bool> = futures_util::stream::iter(pages)
        .map(|path| async move {
            match client.get(format!("{base}{path}")).send().await {
                Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                Err(_) => false,
            }
        })
        .buffer_unordered(CONNECTIONS)
        .collect()
        .await;
    Ok(answers.into_iter().filter(|ok| *ok).count())
}

/// What readers ask for: the stories, newest first (the Zipf law's ranks), and the fronts.
struct Archive {
    stories: Vec<(i64, String)>,
    sections: Vec<String>,
    /// The Zipf law's cumulative weights over `stories`.
    cumulative: Vec<f64>,
}

impl Archive {
    async fn read(url: &str) -> anyhow::Result<Archive> {
        let pool = sqlx::SqlitePool::connect(url).await?;
        let rows: Vec<(i64, String, String, Timestamp)> = sqlx::query_as(
            "SELECT a.id, s.slug, a.slug, a.published_at FROM articles a \
             JOIN sections s ON s.id = a.section_id \
             WHERE a.status = 'published' ORDER BY a.published_at DESC, a.id DESC",
        )
        .fetch_all(&pool)
        .await?;
        pool.close().await;
        let tz = chrono_tz::UTC;
        let stories: Vec<(i64, String)> = rows
            .into_iter()
            .map(|(id, section, slug, at)| (id, articles::article_path(&section, at, &slug, tz)))
            .collect();
        let mut sections: Vec<String> = stories
            .iter()
            .filter_map(|(_, path)| path.split('/').nth(1).map(|s| format!("/{s}")))
            .collect();
        sections.sort();
        sections.dedup();
        let mut total = 0.0;
        let cumulative = (1..=stories.len())
            .map(|rank| {
                total += 1.0 / (rank as f64).powf(ZIPF_EXPONENT);
                total
            })
            .collect();
        Ok(Archive {
            stories,
            sections,
            cumulative,
        })
    }

    /// Every page a reader may ask for.
    fn every_page(&self) -> Vec<String> {
        let mut pages = vec!["/".to_string()];
        pages.extend(self.sections.iter().cloned());
        pages.extend(self.stories.iter().map(|(_, path)| path.clone()));
        pages
    }

    /// A story by the Zipf law: its index in `stories`.
    fn pick_story(&self, rng: &mut ChaCha8Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let point = rng.random_range(0.0..total);
        self.cumulative
            .partition_point(|w| *w < point)
            .min(self.stories.len() - 1)
    }

    fn pick_page<'a>(&'a self, rng: &mut ChaCha8Rng) -> &'a str {
        match rng.random_range(0..100) {
            0..10 => "/",
            10..15 => &self.sections[rng.random_range(0..self.sections.len())],
            _ => &self.stories[self.pick_story(rng)].1,
        }
    }
}

/// The writer: a comment approved every 2 s and a story edited every 30 s, until `until`.
/// Returns how many of each.
async fn write(
    db: Db,
    desk: User,
    archive: Arc<Archive>,
    until: Instant,
) -> anyhow::Result<(u64, u64)> {
    let clock = Clock::System;
    let mut rng = ChaCha8Rng::seed_from_u64(99);
    let (mut approved, mut edited) = (0, 0);
    let mut next_edit = Instant::now() + EDIT_EVERY;
    let mut tick = tokio::time::interval(COMMENT_EVERY);
    tick.tick().await;
    while Instant::now() < until {
        tick.tick().await;
        let posted = comment(&db, &clock, &archive, &mut rng, approved).await?;
        let tz = chrono_tz::UTC;
        moderation::apply(&db, &clock, tz, &desk, &[posted], Action::Approve).await?;
        approved += 1;
        if Instant::now() >= next_edit {
            next_edit += EDIT_EVERY;
            let (id, _) = archive.stories[archive.pick_story(&mut rng)];
            let mut input = articles::editable(&db, tz, id).await?.input;
            input.standfirst = format!("{} (updated)", input.standfirst);
            articles::update_article(&db, &clock, tz, id, input, Default::default()).await?;
            edited += 1;
        }
    }
    Ok((approved, edited))
}

/// A reader's comment on a story chosen by the Zipf law; older stories no longer take comments,
/// so the next one is tried until one does. Returns the comment's id.
async fn comment(
    db: &Db,
    clock: &Clock,
    archive: &Archive,
    rng: &mut ChaCha8Rng,
    n: u64,
) -> anyhow::Result<i64> {
    let mut refusals = Vec::new();
    for _ in 0..50 {
        let (article_id, _) = archive.stories[archive.pick_story(rng)];
        let input = Input {
            article_id,
            name: format!("Reader {n}"),
            email: format!("reader{n}@churn.example"),
            body: "A reader's point about the story, worth approving.".into(),
            ..Input::default()
        };
        let visitor = Visitor {
            ip: format!("198.51.100.{}", n % 250 + 1),
            ..Visitor::default()
        };
        match comments::submit(db, clock, input, visitor).await {
            Ok(posted) => return Ok(posted.id),
            Err(refused) => refusals.push(refused.to_string()),
        }
    }
    anyhow::bail!("no story took a comment: {refusals:?}")
}

/// The page cache's hits and misses so far, from the server's metrics.
async fn cache_counts(
    client: &reqwest::Client,
    base: &str,
    token: &str,
) -> anyhow::Result<(f64, f64)> {
    let text = client
        .get(format!("{base}/metrics"))
        .bearer_auth(token)
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    let value = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    Ok((
        value("broadsheet_page_cache_hits_total"),
        value("broadsheet_page_cache_misses_total"),
    ))
}
