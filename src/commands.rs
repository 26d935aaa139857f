//! What each subcommand does, kept out of `main.rs` so tests can drive the same paths.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::accounts::service::{self as accounts, LinkPurpose, NewAccount};
use crate::accounts::{Capability, Role, allows};
use crate::app;
use crate::articles;
use crate::cache;
use crate::clock::Clock;
use crate::config::UserCommand;
use crate::config::{Common, DemoArgs, Invalidation, ServeArgs};
use crate::db::{self, Db};
use crate::demo::{self, DemoOptions};
use crate::jobs;
use crate::mail::Mailer;
use crate::media::images::ImageService;
use crate::search::{self, Indexer, SearchIndex};
use crate::site::layout::RenderCache;
use crate::site::settings;
use crate::state::{AppState, Limits, Services};
use crate::templates::Templates;
use crate::web::client::TrustedProxies;
use crate::web::page_cache::PageCache;
use crate::web::sealed;

/// How often a server looks for content changes made by other processes or nodes.
const CHANGE_POLL: Duration = Duration::from_secs(1);

/// How often a server looks for due jobs; scheduled articles go out within this (plus the job).
const JOB_POLL: Duration = Duration::from_secs(1);

/// How often a server's indexer looks at the search change log.
const INDEX_POLL: Duration = Duration::from_millis(500);

/// Memory for prepared page contexts (see [`RenderCache`]).
const RENDER_CACHE_BYTES: usize = 64 * 1024 * 1024;

/// Memory for results pages' cards (see [`articles::FoundCards`]): some 30,000 of them.
const FOUND_CARDS_BYTES: usize = 16 * 1024 * 1024;

/// Opens the configured database, migrated.
pub async fn open(common: &Common) -> anyhow::Result<(std::path::PathBuf, Db)> {
    let data_dir = common.prepare_data_dir()?;
    let url = common.database_url(&data_dir);
    let db = db::connect(&url, common.db_connections).await?;
    db::migrate(&db).await?;
    let upgraded = articles::service::upgrade_bodies(&db).await?;
    if upgraded > 0 {
        tracing::info!(
            articles = upgraded,
            "article bodies converted to the document model"
        );
    }
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
    let media = common.media_files(&data_dir)?;
    let summary = demo::load(&db, &Clock::System, &media, &options).await?;
    println!("{summary}");
    db.close().await;
    Ok(())
}

pub async fn serve(common: &Common, args: &ServeArgs) -> anyhow::Result<()> {
    let templates = Templates::load(args.theme_dir.as_deref())?;
    let image_config = args.images.config()?;
    let (data_dir, db) = open(common).await?;
    let media = common.media_files(&data_dir)?;
    crate::media::images::keep_codec_buffers();
    let images = ImageService::new(image_config, &data_dir)?;
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
        settings::save(&db, &site)
            .await
            .map_err(|e| anyhow::anyhow!("--base-url: {e}"))?;
    }
    let mailer = Mailer::new(&args.mail, &data_dir)?;
    if args.demo {
        print_demo_accounts(&db, &clock).await?;
    }
    ensure_administrator(&db, &clock, &args.admin_email, &base_url).await?;
    if args.page_cache_invalidation == Invalidation::Everything {
        db.changes().drop_everything_on_change();
    }
    let state = AppState::new(Services {
        db: db.clone(),
        clock: clock.clone(),
        templates: Arc::new(templates),
        media: Arc::new(media),
        images: Arc::new(images),
        mailer: Arc::new(mailer),
        limits: Limits {
            upload_bytes: args.max_upload_mb.saturating_mul(1024 * 1024),
        },
        page_cache: Arc::new(
            PageCache::new(
                args.page_cache,
                args.page_cache_mb.saturating_mul(1024 * 1024),
                db.changes(),
            )
            .tagging_with(args.cache_tag_headers),
        ),
        render_cache: Arc::new(RenderCache::new(RENDER_CACHE_BYTES, db.changes())),
        found_cards: Arc::new(articles::FoundCards::new(FOUND_CARDS_BYTES, db.changes())),
        proxies: Arc::new(TrustedProxies::new(args.trusted_proxies.clone())),
        search: Arc::new(Indexer::new(Arc::new(SearchIndex::open(&data_dir)))),
        metrics_token: args.metrics_token.as_deref().map(Arc::from),
        claim_lease: std::time::Duration::from_secs(args.claim_lease_seconds),
    });
    match sealed::raise_open_file_limit() {
        Ok(limit) => tracing::debug!(limit, "open file limit"),
        Err(error) => tracing::warn!(
            %error,
            "cannot raise the open file limit: cached pages fall back to plain writes past it; \
             raise LimitNOFILE (systemd) or `ulimit -n`"
        ),
    }
    if !sealed::keep_files_in(&data_dir) {
        tracing::info!(
            dir = %data_dir.display(),
            "the data directory's filesystem has no unnamed files (O_TMPFILE): cached pages are \
             kept in memory files, which cost the kernel a little more to send"
        );
    }
    let released = jobs::release_dead_claims(&db, clock.now()).await?;
    if released > 0 {
        tracing::info!(
            claims = released,
            "took back the claims of a worker of this host that stopped (a crash?); its jobs and sends resume now"
        );
    }
    // Held to the end: the record of changes keeps only a weak reference to it.
    let _purger = match args.purge_url.clone() {
        Some(url) => Some(cache::purge::spawn(url, db.changes())?),
        None => None,
    };
    let watch = app::spawn_change_watch(db.clone(), Clock::System, CHANGE_POLL);
    let worker = jobs::spawn_worker(state.mail_room(), JOB_POLL);
    state.search.retire_if_stale(&db).await?;
    let indexer = search::indexer::spawn(state.search.clone(), db.clone(), INDEX_POLL);
    let metrics = match args.metrics_listen {
        Some(address) => Some(serve_metrics(address, state.clone()).await?),
        None => None,
    };
    let (listener, origin) = crate::web::listen::open(args.listen)?;
    if origin == crate::web::listen::Origin::Inherited {
        tracing::info!("serving on the socket systemd passed (LISTEN_FDS); --listen is not used");
    }
    let url = format!("http://{}", listener.local_addr()?);
    println!(
        "Broadsheet is serving {url}/ (data in {})",
        data_dir.display()
    );
    tracing::info!(%url, page_cache = args.page_cache, "serving");
    let connection_threads = Some(
        args.connection_threads
            .unwrap_or_else(|| default_connection_threads(args.page_cache)),
    )
    .filter(|&n| n > 0);
    app::serve(listener, app::router(state), connection_threads)
        .await
        .context("the server stopped with an error")?;
    watch.abort();
    worker.abort();
    indexer.abort();
    if let Some(metrics) = metrics {
        metrics.abort();
    }
    db.close().await;
    Ok(())
}

/// Serves `/metrics` alone on `address`, beside the site.
async fn serve_metrics(
    address: std::net::SocketAddr,
    state: AppState,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("--metrics-listen: cannot listen on {address}"))?;
    tracing::info!(address = %listener.local_addr()?, "serving /metrics");
    let router = crate::telemetry::metrics_router(state);
    Ok(tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            tracing::error!(%error, "the /metrics listener stopped; restart the server to scrape it again");
        }
    }))
}

/// The public URL the site settings give, for links printed on the terminal.
async fn site_base_url(db: &Db) -> anyhow::Result<String> {
    Ok(settings::load(db)
        .await?
        .base_url
        .trim_end_matches('/')
        .to_string())
}

/// A site with no active administrator gets one, with a one-time link to set its password.
async fn ensure_administrator(
    db: &Db,
    clock: &Clock,
    email: &str,
    base_url: &str,
) -> anyhow::Result<()> {
    if accounts::count_active_administrators(db).await? > 0 {
        return Ok(());
    }
    let user = match accounts::user_by_email(db, email).await {
        Ok(user) => user,
        Err(_) => {
            let account = NewAccount {
                email: email.to_string(),
                name: "Administrator".into(),
                role: Role::Administrator,
                password: None,
            };
            accounts::create_user(db, clock, account)
                .await
                .map_err(|e| anyhow::anyhow!("cannot create the first administrator: {e}"))?
        }
    };
    let token = accounts::issue_link(db, clock, user.id, LinkPurpose::Setup).await?;
    println!(
        "No administrator has a password yet. Set one for {} within 24 hours at:\n  {}",
        user.email,
        LinkPurpose::Setup.url(base_url, &token)
    );
    Ok(())
}

const DEMO_ACCOUNTS: [(&str, &str, Role); 4] = [
    (
        "admin@demo.example",
        "Demo Administrator",
        Role::Administrator,
    ),
    ("editor@demo.example", "Demo Editor", Role::Editor),
    ("author@demo.example", "Demo Author", Role::Author),
    (
        "contributor@demo.example",
        "Demo Contributor",
        Role::Contributor,
    ),
];

/// One account for each role, with fresh passwords printed at every demo start.
async fn print_demo_accounts(db: &Db, clock: &Clock) -> anyhow::Result<()> {
    println!("Demo accounts (sign in at /admin/login):");
    for (email, name, role) in DEMO_ACCOUNTS {
        let password = format!("demo-{}", &crate::secrets::random_token()?[..16]);
        let user = match accounts::user_by_email(db, email).await {
            Ok(user) => user,
            Err(_) => accounts::create_user(
                db,
                clock,
                NewAccount {
                    email: email.into(),
                    name: name.into(),
                    role,
                    password: None,
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("cannot create demo account {email}: {e}"))?,
        };
        accounts::set_password(db, clock, user.id, &password)
            .await
            .map_err(|e| anyhow::anyhow!("cannot set the password of {email}: {e}"))?;
        if user.author_id.is_none() && !allows(role, Capability::EditAnyArticle) {
            give_byline(db, clock, &user).await;
        }
        println!("  {:<13} {email:<26} {password}", role.as_str());
    }
    Ok(())
}

/// An author profile in the account's name, so a demo author or contributor can sign their
/// articles (below the editors, people credit only their own profile).
async fn give_byline(db: &Db, clock: &Clock, user: &accounts::User) {
    let byline = articles::service::AuthorInput {
        name: user.name.clone(),
        bio: String::new(),
        avatar_media_id: None,
        x_handle: String::new(),
    };
    let linked = match articles::service::save_author(db, None, &byline).await {
        Ok(profile) => accounts::set_author_profile(db, clock, user.id, Some(profile)).await,
        Err(e) => Err(e),
    };
    if let Err(e) = linked {
        tracing::warn!(
            error = %e,
            account = %user.email,
            "the demo account has no byline; link it to an author under Admin → People"
        );
    }
}

fn parse_role(role: &str) -> anyhow::Result<Role> {
    Role::parse(role).ok_or_else(|| {
        anyhow::anyhow!("--role {role:?}: use administrator, editor, author or contributor")
    })
}

pub async fn user(common: &Common, command: UserCommand) -> anyhow::Result<()> {
    let (_, db) = open(common).await?;
    let clock = Clock::System;
    let result = run_user_command(&db, &clock, command).await;
    db.close().await;
    result
}

async fn run_user_command(db: &Db, clock: &Clock, command: UserCommand) -> anyhow::Result<()> {
    let fail = |e: crate::error::AppError| anyhow::anyhow!("{e}");
    match command {
        UserCommand::Add {
            email,
            name,
            role,
            password_stdin,
        } => {
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .read_line(&mut line)
                    .context("cannot read the password from standard input")?;
                Some(line.trim_end_matches(['\r', '\n']).to_string())
            } else {
                None
            };
            let has_password = password.is_some();
            let account = NewAccount {
                email,
                name,
                role: parse_role(&role)?,
                password,
            };
            let user = accounts::create_user(db, clock, account)
                .await
                .map_err(fail)?;
            println!(
                "Added {} <{}> as {}.",
                user.name,
                user.email,
                user.role.as_str()
            );
            if !has_password {
                let token = accounts::issue_link(db, clock, user.id, LinkPurpose::Setup)
                    .await
                    .map_err(fail)?;
                let url = LinkPurpose::Setup.url(&site_base_url(db).await?, &token);
                println!("One-time setup link (valid 24 hours):\n  {url}");
            }
        }
        UserCommand::List => {
            for u in accounts::users(db).await.map_err(fail)? {
                let state = if u.disabled {
                    "disabled"
                } else if u.has_password {
                    "active"
                } else {
                    "invited"
                };
                println!(
                    "{:<32} {:<14} {:<9} {}",
                    u.email,
                    u.role.as_str(),
                    state,
                    u.name
                );
            }
        }
        UserCommand::SetRole { email, role } => {
            let user = accounts::user_by_email(db, &email).await.map_err(fail)?;
            accounts::set_role(db, clock, user.id, parse_role(&role)?)
                .await
                .map_err(fail)?;
            println!("{email} is now {role}.");
        }
        UserCommand::Disable { email } => {
            let user = accounts::user_by_email(db, &email).await.map_err(fail)?;
            accounts::set_disabled(db, clock, user.id, true)
                .await
                .map_err(fail)?;
            println!("{email} is disabled; its sessions have ended.");
        }
        UserCommand::Enable { email } => {
            let user = accounts::user_by_email(db, &email).await.map_err(fail)?;
            accounts::set_disabled(db, clock, user.id, false)
                .await
                .map_err(fail)?;
            println!("{email} is enabled.");
        }
        UserCommand::ResetPassword { email } => {
            let user = accounts::user_by_email(db, &email).await.map_err(fail)?;
            let token = accounts::issue_link(db, clock, user.id, LinkPurpose::Reset)
                .await
                .map_err(fail)?;
            let url = LinkPurpose::Reset.url(&site_base_url(db).await?, &token);
            println!("One-time password link for {email} (valid 24 hours):\n  {url}");
        }
    }
    Ok(())
}

/// Half the cores, at least one, answer connections and page-cache hits (see [`app::serve`]).
/// Without the page cache there are no hits for them to answer, and handing every request to
/// the application's threads would only add two thread wakeups to each render.
fn default_connection_threads(page_cache: bool) -> usize {
    if !page_cache {
        return 0;
    }
    std::thread::available_parallelism().map_or(1, |n| n.get().div_ceil(2))
}

#[cfg(test)]
mod tests {
    use super::default_connection_threads;

    #[test]
    fn connection_threads_only_when_there_are_hits_to_answer() {
        assert_eq!(default_connection_threads(false), 0);
        assert!(default_connection_threads(true) >= 1);
    }
}
