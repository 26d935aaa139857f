//! The search benchmark's in-process half (`bench/search.sh` runs it on a demo data dir whose
//! index is built): the same queries against Broadsheet's search and against SQLite FTS5 (bm25)
//! over the same text, each from 16 concurrent tasks, and related articles against the
//! same-section baseline on the demo's topics.
//!
//! Usage: cargo bench --bench search -- DATA_DIR QUERIES_FILE [SECONDS] (bench/search.sh builds
//! it with the release profile and runs it directly).
//! Prints `search_qps=`, `fts5_qps=`, `search_vs_fts5=`, `related_precision_at_4=` and
//! `related_same_section_baseline=`.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use broadsheet::articles::service as articles;
use broadsheet::db::{self, Db, Timestamp};
use broadsheet::search::SearchIndex;
use broadsheet::search::service::{self, RelatedTo, Request};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

const TASKS: usize = 16;
/// Articles whose related articles are checked.
const SAMPLE: usize = 400;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let data_dir = PathBuf::from(args.next().expect("DATA_DIR"));
    let queries: Vec<String> = std::fs::read_to_string(args.next().expect("QUERIES_FILE"))?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    let seconds: u64 = args.next().map_or(Ok(10), |s| s.parse())?;
    let url = format!("sqlite://{}", data_dir.join("broadsheet.db").display());
    let db = db::connect(&url, 4).await?;
    let index = Arc::new(SearchIndex::open(&data_dir));
    anyhow::ensure!(
        index.live().is_some(),
        "build the index first: broadsheet search reindex"
    );
    let now = Timestamp::from_datetime(chrono::Utc::now());

    let fts = build_fts5(&db, &data_dir).await?;
    let ours = run(seconds, &queries, {
        let index = index.clone();
        move |q| {
            let index = index.clone();
            async move {
                service::search(&index, Request::readers(q, now))
                    .await
                    .map(|r| r.total)
                    .unwrap_or(0)
            }
        }
    })
    .await;
    let theirs = run(seconds, &queries, {
        let fts = fts.clone();
        move |q| {
            let fts = fts.clone();
            async move { fts5_search(&fts, &q).await.unwrap_or(0) }
        }
    })
    .await;
    println!("search_qps={ours:.0}");
    println!("fts5_qps={theirs:.0}");
    println!("search_vs_fts5={:.2}", ours / theirs);

    let (precision, baseline) = related_precision(&db, &index, now).await?;
    println!("related_precision_at_4={precision:.3}");
    println!("related_same_section_baseline={baseline:.3}");
    Ok(())
}

/// Queries per second over `seconds`, from [`TASKS`] tasks taking the queries in turn.
async fn run<F, Fut>(seconds: u64, queries: &[String], search: F) -> f64
where
    F: Fn(String) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = usize> + Send,
{
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let (done, stop, search) = (done.clone(), stop.clone(), search.clone());
        let queries = queries.to_vec();
        tasks.push(tokio::spawn(async move {
            let mut i = t;
            while !stop.load(Ordering::Relaxed) {
                search(queries[i % queries.len()].clone()).await;
                done.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        let _ = task.await;
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

/// An FTS5 table of the published articles' headline, standfirst and body text, in a database
/// of its own beside the demo's, with the Porter stemmer and folded diacritics.
async fn build_fts5(db: &Db, data_dir: &std::path::Path) -> anyhow::Result<SqlitePool> {
    let path = data_dir.join("fts5-reference.db");
    let _ = std::fs::remove_file(&path);
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
    let pool = SqlitePoolOptions::new()
        .max_connections(TASKS as u32)
        .connect_with(options)
        .await?;
    sqlx::query(
        "CREATE VIRTUAL TABLE fts USING fts5(headline, standfirst, body, \
         tokenize = 'porter unicode61 remove_diacritics 2')",
    )
    .execute(&pool)
    .await?;
    let started = Instant::now();
    let mut after = 0;
    let mut count = 0;
    loop {
        let ids = articles::ids_after(db, after, 1000).await?;
        let Some(&last) = ids.last() else { break };
        after = last;
        let mut tx = pool.begin().await?;
        for s in articles::index_sources(db, &ids).await? {
            if s.status != "published" {
                continue;
            }
            sqlx::query("INSERT INTO fts (rowid, headline, standfirst, body) VALUES (?, ?, ?, ?)")
                .bind(s.id)
                .bind(&s.headline)
                .bind(&s.standfirst)
                .bind(broadsheet::articles::body::plain_text(&s.body))
                .execute(&mut *tx)
                .await?;
            count += 1;
        }
        tx.commit().await?;
    }
    println!(
        "fts5 reference: {count} articles indexed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(pool)
}

/// What a results page asks of FTS5: the top ten by bm25 (headline weighing most), a snippet
/// of each, and the count.
async fn fts5_search(pool: &SqlitePool, query: &str) -> sqlx::Result<usize> {
    let _top: Vec<(i64, String)> = sqlx::query_as(
        "SELECT rowid, snippet(fts, 2, '<mark>', '</mark>', '…', 24) FROM fts \
         WHERE fts MATCH ?1 ORDER BY bm25(fts, 3.0, 2.0, 1.0) LIMIT 10",
    )
    .bind(query)
    .fetch_all(pool)
    .await?;
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM fts WHERE fts MATCH ?1")
        .bind(query)
        .fetch_one(pool)
        .await?;
    Ok(usize::try_from(total).unwrap_or(0))
}

/// The share of related articles on the article's own demo topic: from the index, and from the
/// section's newest (the baseline), over a sample of published articles spread through the ids.
async fn related_precision(
    db: &Db,
    index: &SearchIndex,
    now: Timestamp,
) -> anyhow::Result<(f64, f64)> {
    let total = articles::count_articles(db).await?;
    let step = (total / SAMPLE as i64).max(1);
    let (mut hits, mut shown, mut base_hits, mut base_shown) = (0, 0, 0, 0);
    let mut after = 0;
    let mut sampled = 0;
    while sampled < SAMPLE {
        let ids = articles::ids_after(db, after, step).await?;
        let Some(&id) = ids.last() else { break };
        after = id;
        let Some(source) = articles::index_sources(db, &[id]).await?.pop() else {
            continue;
        };
        let (Some(at), "published") = (source.published_at, source.status.as_str()) else {
            continue;
        };
        let Some(topic) = broadsheet::demo::topic_of(&source.headline) else {
            continue;
        };
        sampled += 1;
        let on_topic = |headlines: Vec<String>| {
            let n = headlines.len();
            let same = headlines
                .iter()
                .filter(|h| broadsheet::demo::topic_of(h) == Some(topic))
                .count();
            (same, n)
        };
        let related = RelatedTo {
            id,
            headline: source.headline.clone(),
            published_at: at,
        };
        let found = service::related(index, related, Vec::new(), 4, now)
            .await?
            .unwrap_or_default();
        let cards = articles::cards_by_ids(db, now, &found).await?;
        let (same, n) = on_topic(cards.into_iter().map(|c| c.headline).collect());
        hits += same;
        shown += n;
        let newest = articles::newest_in_section(db, now, source.section_id, id, 4).await?;
        let (same, n) = on_topic(newest.into_iter().map(|c| c.headline).collect());
        base_hits += same;
        base_shown += n;
    }
    let share = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    Ok((share(hits, shown), share(base_hits, base_shown)))
}
