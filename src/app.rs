//! The application: shared state, the router assembled from each room's routes, the tower layers
//! around it, and the server loop with graceful shutdown.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request, StatusCode};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::clock::Clock;
use crate::db::Db;
use crate::media::MediaFiles;
use crate::site::layout::LayoutCache;
use crate::templates::Templates;
use crate::web::page_cache::{CacheState, PageCache};
use crate::web::request_id::CountingIds;
use crate::web::{assets, error_pages, page_cache, security};
use crate::{articles, media, newsletters, site};

/// Everything a handler may need, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub clock: Clock,
    pub templates: Arc<Templates>,
    pub media: Arc<MediaFiles>,
    pub page_cache: Arc<PageCache>,
    pub layout_cache: Arc<LayoutCache>,
}

/// Public forms are small; anything larger is refused before a handler runs.
const BODY_LIMIT: usize = 256 * 1024;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let cache = CacheState {
        cache: state.page_cache.clone(),
        db: state.db.clone(),
    };
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request<_>| {
            let id = request
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", id, method = %request.method(), path = %request.uri().path())
        })
        .on_request(())
        .on_response(DefaultOnResponse::new().level(Level::INFO));
    Router::new()
        .merge(site::routes())
        .merge(articles::routes())
        .merge(media::routes())
        .merge(newsletters::routes())
        .route("/static/{*path}", get(assets::serve))
        .fallback(error_pages::not_found)
        .layer(from_fn_with_state(state.clone(), error_pages::render))
        .layer(from_fn_with_state(cache, page_cache::serve))
        .layer(CompressionLayer::new())
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(from_fn(security::headers))
        .layer(trace)
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, CountingIds::new()))
        .with_state(state)
}

/// Follows content changes made by other processes and nodes (a CLI `demo --force`, another
/// server), so their page caches drop stale pages within `interval`.
pub fn spawn_generation_watch(db: Db, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut last_seen = None;
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(e) = db.refresh_generation(&mut last_seen).await {
                tracing::warn!(error = %e, "cannot read the content version");
            }
        }
    })
}

/// Serves until SIGTERM or Ctrl-C, then stops accepting and lets requests in flight finish.
pub async fn serve(listener: tokio::net::TcpListener, app: Router) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
