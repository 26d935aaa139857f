//! What each subcommand does, kept out of `main.rs` so tests can drive the same paths.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::app::{self, AppState};
use crate::articles;
use crate::clock::Clock;
use crate::config::{Common, DemoArgs, ServeArgs};
use crate::db::{self, Db};
use crate::demo::{self, DemoOptions};
use crate::media::MediaFiles;
use crate::site::layout::RenderCache;
use crate::site::settings;
use crate::templates::Templates;
use crate::web::page_cache::PageCache;

/// How often a server looks for content changes made by other processes or nodes.
const GENERATION_POLL: Duration = Duration::from_secs(1);

/// Memory for prepared page contexts (see [`RenderCache`]).
const RENDER_CACHE_BYTES: usize = 64 * 1024 * 1024;

async fn open(common: &Common) -> anyhow::Result<(std::path::PathBuf, Db)> {
    let data_dir = common.prepare_data_dir()?;
    let url = common.database_url(&data_dir);
    let db = db::connect(&url, 16).await?;
    db::migrate(&db).await?;
    Ok((data_dir, db))
}

pub async fn migrate(common: &Common) -> anyhow::Result<()> {
    let (_, db) = open(common).await?;
    println!("The database schema is up to date.");
    db.close().await;
    Ok(())
}

pub async fn demo(common: &Common, args: &DemoArgs) -> anyhow::Result<()> {
    let (data_dir, db) = open(common).await?;
    let existing = articles::service::count_articles(&db).await?;
    if existing > 0 && !args.force {
        bail!(
            "the database already holds {existing} articles; pass --force to replace them with \
             the demo newsroom"
        );
    }
    let options = DemoOptions {
        articles: args.articles,
        seed: args.seed,
        base_url: None,
    };
    let summary = demo::load(&db, &Clock::System, &MediaFiles::new(&data_dir), &options).await?;
    println!("{summary}");
    db.close().await;
    Ok(())
}

pub async fn serve(common: &Common, args: &ServeArgs) -> anyhow::Result<()> {
    let templates = Templates::load(args.theme_dir.as_deref())?;
    let (data_dir, db) = open(common).await?;
    let media = MediaFiles::new(&data_dir);
    let clock = Clock::System;
    let base_url = args
        .base_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", args.listen));
    if args.demo && articles::service::count_articles(&db).await? == 0 {
        println!("Loading the demo newsroom (a minute on first start)...");
        let options = DemoOptions {
            articles: 500,
            seed: 1,
            base_url: Some(base_url.clone()),
        };
        let summary = demo::load(&db, &clock, &media, &options).await?;
        println!("{summary}");
    }
    if args.base_url.is_some() {
        let mut site = settings::load(&db).await?;
        site.base_url = base_url.clone();
        let mut tx = db.begin().await?;
        settings::save_in(&mut tx, &site)
            .await
            .map_err(|e| anyhow::anyhow!("--base-url: {e}"))?;
        tx.commit().await?;
    }
    let state = AppState {
        db: db.clone(),
        clock,
        templates: Arc::new(templates),
        media: Arc::new(media),
        page_cache: Arc::new(PageCache::new(
            args.page_cache,
            args.page_cache_mb.saturating_mul(1024 * 1024),
        )),
        render_cache: Arc::new(RenderCache::new(RENDER_CACHE_BYTES)),
    };
    let watch = app::spawn_generation_watch(db.clone(), Clock::System, GENERATION_POLL);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let url = format!("http://{}", listener.local_addr()?);
    println!(
        "Broadsheet is serving {url}/ (data in {})",
        data_dir.display()
    );
    tracing::info!(%url, page_cache = args.page_cache, "serving");
    app::serve(listener, app::router(state))
        .await
        .context("the server stopped with an error")?;
    watch.abort();
    db.close().await;
    Ok(())
}
