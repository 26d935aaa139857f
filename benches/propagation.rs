//! How long an edit takes to reach the other nodes' page caches (`bench/propagation.sh` runs
//! it against three release nodes on one PostgreSQL database). Each round reads a story on every
//! node (so each holds it cached), changes its headline through the first node's API, and polls
//! every node every millisecond until its copy shows the new headline. The first node drops its
//! copy as the write commits, so its time is the reference: what a reader waits for a render.
//! The others hear of the change by PostgreSQL's notification (their poll of the change log,
//! once a second, is the fallback).
//!
//! Usage: cargo bench --bench propagation -- DATABASE_URL ROUNDS NODE_URL...
//! Prints each node's p50, p90 and highest, then `propagation_p50_ms=` (the other nodes'
//! median), `propagation_p99_ms=` and `propagation_vs_writer=` (the other nodes' median over the
//! writing node's).

use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(5);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let url = args.next().expect("DATABASE_URL");
    let rounds: usize = args.next().expect("ROUNDS").parse()?;
    let nodes: Vec<String> = args.collect();
    assert!(nodes.len() >= 2, "give at least two node URLs");

    let token = editor_token(&url).await?;
    let client = reqwest::Client::builder().build()?;
    let story = pick_story(&client, &nodes[0], &token).await?;
    let (id, path) = (story["id"].as_i64().expect("an id"), path_of(&story));
    println!(
        "{} nodes, {rounds} rounds, editing article {id} ({path})",
        nodes.len()
    );

    let mut waits: Vec<Vec<Duration>> = vec![Vec::new(); nodes.len()];
    for round in 0..rounds {
        for node in &nodes {
            let page = client.get(format!("{node}{path}")).send().await?;
            anyhow::ensure!(page.status() == 200, "{node}{path}: {}", page.status());
            page.bytes().await?;
        }
        let headline = format!("Propagation round {round}, {}", std::process::id());
        let edited = client
            .patch(format!("{}/api/v1/articles/{id}", nodes[0]))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(serde_json::json!({ "headline": headline }).to_string())
            .send()
            .await?;
        anyhow::ensure!(edited.status() == 200, "the edit: {}", edited.status());
        let sent = Instant::now();
        let arrivals = futures_util::future::join_all(nodes.iter().map(|node| {
            let (client, headline, url) = (&client, &headline, format!("{node}{path}"));
            async move {
                loop {
                    let page = client.get(&url).send().await?.text().await?;
                    if page.contains(headline.as_str()) {
                        return anyhow::Ok(sent.elapsed());
                    }
                    anyhow::ensure!(sent.elapsed() < DEADLINE, "{url} never changed");
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
        }))
        .await;
        for (n, arrival) in arrivals.into_iter().enumerate() {
            waits[n].push(arrival?);
        }
    }

    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    for (n, node) in nodes.iter().enumerate() {
        let mut mine = waits[n].clone();
        mine.sort();
        let role = if n == 0 { "the writer" } else { "another node" };
        println!(
            "{node} ({role}): p50 {:.1} ms, p90 {:.1} ms, highest {:.1} ms",
            ms(quantile(&mine, 0.5)),
            ms(quantile(&mine, 0.9)),
            ms(*mine.last().expect("rounds"))
        );
    }
    let mut writer = waits[0].clone();
    writer.sort();
    let mut others: Vec<Duration> = waits[1..].iter().flatten().copied().collect();
    others.sort();
    let (p50, writer_p50) = (quantile(&others, 0.5), quantile(&writer, 0.5));
    println!("propagation_p50_ms={:.1}", ms(p50));
    println!("propagation_p99_ms={:.1}", ms(quantile(&others, 0.99)));
    println!(
        "propagation_vs_writer={:.2}",
        ms(p50) / ms(writer_p50).max(0.001)
    );
    Ok(())
}

fn quantile(sorted: &[Duration], q: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[at.min(sorted.len() - 1)]
}

fn path_of(story: &serde_json::Value) -> String {
    let url = story["url"].as_str().expect("a published story has a URL");
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    after_scheme
        .find('/')
        .map_or("/".to_string(), |at| after_scheme[at..].to_string())
}

/// The newest published story, through the first node's API.
async fn pick_story(
    client: &reqwest::Client,
    node: &str,
    token: &str,
) -> anyhow::Result<serde_json::Value> {
    let listed = client
        .get(format!(
            "{node}/api/v1/articles?status=published&per_page=1"
        ))
        .bearer_auth(token)
        .send()
        .await?
        .text()
        .await?;
    let listed: serde_json::Value = serde_json::from_str(&listed)?;
    let first = listed["data"].as_array().and_then(|a| a.first()).cloned();
    first.ok_or_else(|| anyhow::anyhow!("no published story in {listed}"))
}

/// An editor and an API token for it, made through the accounts service as `user add` would.
async fn editor_token(url: &str) -> anyhow::Result<String> {
    use broadsheet::accounts::service as accounts;
    let clock = broadsheet::clock::Clock::System;
    let db = broadsheet::db::connect(url, 1).await?;
    let email = format!("propagation-{}@bench.example", std::process::id());
    let account = accounts::NewAccount {
        email,
        name: "Propagation bench".into(),
        role: broadsheet::accounts::Role::Editor,
        password: None,
    };
    let editor = accounts::create_user(&db, &clock, account).await?;
    let token = accounts::create_api_token(&db, &clock, editor.id, "propagation bench").await?;
    db.close().await;
    Ok(token)
}
