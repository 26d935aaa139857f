//! The application: the router assembled from each room's routes, the tower layers
//! around it, and the server loop with graceful shutdown.

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::{Extensions, HeaderMap, HeaderName, Request, StatusCode, Version};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::IncomingStream;
use tower::util::BoxCloneSyncService;
use tower::{Layer, ServiceBuilder};
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::cache::Changed;
use crate::clock::Clock;
use crate::db::{Db, Timestamp};
use crate::error::AppResult;
use crate::state::AppState;
use crate::telemetry::{NameRoute, Record, StepLayer};
use crate::web::page_cache::{Lookups, PageCacheLayer, PageCacheService};
use crate::web::request_id::{CountingIds, drop_unsafe};
use crate::web::sendfile::SendfileListener;
use crate::web::{Cacheable, assets, error_pages, security};
use crate::{
    admin, api, articles, comments, feeds, fronts, ghost_api, media, newsletters, pages, search,
    site, telemetry, wordpress_api,
};

/// Public forms are small; anything larger is refused before a handler runs.
const BODY_LIMIT: usize = 256 * 1024;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The whole application as one service: the page cache around the router, so a cache hit
/// skips routing and every layer below it.
pub type App = PageCacheService<Layered>;

/// The router inside the shared layers, boxed once so `App` has a name.
pub type Layered = BoxCloneSyncService<Request<Body>, Response, Infallible>;

pub fn router(state: AppState) -> App {
    let request_id = HeaderName::from_static("x-request-id");
    let cache_enabled = state.page_cache.enabled();
    let ids = CountingIds::new();
    telemetry::install();
    let page_cache = PageCacheLayer {
        cache: state.page_cache.clone(),
        db: state.db.clone(),
        ids: ids.clone(),
        counts: Lookups::register(),
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
    let router = Router::new()
        .merge(site::routes())
        .merge(admin::routes())
        .merge(admin::upload_routes(state.limits.upload_bytes))
        .merge(api::routes(state.limits.upload_bytes))
        .merge(
            articles::routes()
                .route_layer(from_fn_with_state(state.clone(), feeds::wordpress_queries)),
        )
        .merge(feeds::routes())
        .merge(comments::routes())
        .merge(media::routes())
        .merge(newsletters::routes())
        .merge(pages::routes())
        .merge(search::routes())
        .merge(wordpress_api::routes())
        .merge(ghost_api::routes())
        .merge(telemetry::routes())
        .route("/static/{*path}", get(assets::serve))
        .fallback(error_pages::not_found)
        .layer(StepLayer(NameRoute))
        .with_state(state.clone());
    // Around the router rather than `Router::layer`, which wraps every route in its own boxed
    // copy of the stack: each request then cloned that copy layer by layer (`from_fn` clones
    // its inner service per call), dozens of allocations before the handler ran.
    let layered = ServiceBuilder::new()
        .layer(StepLayer(Record))
        .map_response(IntoResponse::into_response)
        .layer(compression(cache_enabled))
        .map_request(drop_unsafe)
        .layer(SetRequestIdLayer::new(request_id.clone(), ids))
        .layer(PropagateRequestIdLayer::new(request_id))
        .layer(trace)
        .layer(from_fn_with_state(state.clone(), security::headers))
        .layer(from_fn_with_state(
            state.clone(),
            wordpress_api::discovery_link,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(from_fn_with_state(state, error_pages::render))
        .map_request(wordpress_api::rest_route_alias)
        .service(router);
    page_cache.layer(BoxCloneSyncService::new(layered))
}

/// Compresses responses for clients that accept it, except public pages while the page cache is
/// on: the cache keeps those compressed already, and hits never reach this layer.
fn compression(page_cache_enabled: bool) -> CompressionLayer<impl Predicate> {
    let not_cached_page = move |_: StatusCode, _: Version, _: &HeaderMap, ext: &Extensions| {
        !(page_cache_enabled && ext.get::<Cacheable>().is_some())
    };
    CompressionLayer::new().compress_when(DefaultPredicate::new().and(not_cached_page))
}

/// Keeps this node's caches true to the database: it follows the change log written by other
/// processes and nodes (a CLI `demo --force`, another server) at once when PostgreSQL notifies
/// it and within `interval` otherwise, and drops every cached page when an embargoed article's
/// or a scheduled front layout's time comes, although nothing was written then.
pub fn spawn_change_watch(db: Db, clock: Clock, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut last_seen = None;
        let mut next_publication = None;
        let mut unreachable = false;
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut notified = db.change_notifications().await;
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = notified.next() => {}
            }
            // Said once when the database goes and once when it is back, not every second.
            match db.follow_changes(&mut last_seen).await {
                Err(e) if !unreachable => {
                    unreachable = true;
                    tracing::warn!(
                        error = %e,
                        "cannot read the content version: cached pages are served as they are \
                         until the database answers again; check that it is running and reachable"
                    );
                }
                Ok(_) if unreachable => {
                    unreachable = false;
                    tracing::info!("the database answers again; caches follow its content");
                }
                _ => {}
            }
            let now = clock.now();
            if next_publication.is_some_and(|at| at <= now) {
                db.content_changed(Changed::Everything);
            }
            match next_scheduled_change(&db, now).await {
                Ok(next) => next_publication = next,
                Err(e) if !unreachable => {
                    tracing::warn!(error = %e, "cannot read the next scheduled change");
                }
                Err(_) => {}
            }
        }
    })
}

/// The next moment readers' pages change by themselves: an embargo ends or a scheduled front
/// layout takes over.
async fn next_scheduled_change(db: &Db, now: Timestamp) -> AppResult<Option<Timestamp>> {
    let publication = articles::service::next_publication_after(db, now).await?;
    let layout = fronts::service::next_change_after(db, now).await?;
    Ok(publication.into_iter().chain(layout).min())
}

/// Serves until SIGTERM or Ctrl-C, then stops accepting and lets requests in flight finish.
///
/// With `connection_threads`, connections get a runtime of their own with that many threads,
/// which answer page-cache hits themselves and hand every other request to the calling runtime
/// (renders, queries, uploads). A hit costs a few microseconds: on few threads it is answered
/// without waiting behind a render, and it leaves the other cores to renders and image work.
/// With `None`, everything runs on the calling runtime.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: App,
    connection_threads: Option<usize>,
) -> std::io::Result<()> {
    let Some(threads) = connection_threads else {
        return serve_on_this_runtime(listener, app).await;
    };
    let app = app.misses_on(tokio::runtime::Handle::current());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .thread_name("broadsheet-http")
        .enable_all()
        .build()?;
    let connections = runtime.handle().clone();
    let _shut_down_when_done = ConnectionRuntime(Some(runtime));
    let listener = listener.into_std()?;
    let server = connections.spawn(async move {
        serve_on_this_runtime(tokio::net::TcpListener::from_std(listener)?, app).await
    });
    server.await.map_err(std::io::Error::other)?
}

/// The connections' runtime, shut down without waiting when `serve` ends or is dropped: a
/// runtime may not block its way down inside another one.
struct ConnectionRuntime(Option<tokio::runtime::Runtime>);

impl Drop for ConnectionRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// How long connections accepted before a shutdown have to send their first request before
/// they are closed: a reader whose connection was accepted a moment before SIGTERM has its
/// request on the way, and closing such a connection as idle would reset it.
const FIRST_REQUEST_GRACE: Duration = Duration::from_secs(1);

async fn serve_on_this_runtime(listener: tokio::net::TcpListener, app: App) -> std::io::Result<()> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    // Two steps: the socket closes at once (new connections go to the process taking over),
    // and only after the grace do idle connections close and in-flight requests finish.
    let shutdown = async move {
        shutdown_signal().await;
        stop.send_replace(true);
        tokio::time::sleep(FIRST_REQUEST_GRACE).await;
    };
    axum::serve(
        SendfileListener::new(listener, stopped)?,
        PerConnection(app),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Makes each connection's service: the application told its peer's address, which it gives
/// to the handlers as axum's `ConnectInfo` only when a request misses the page cache (axum's
/// own `into_make_service_with_connect_info` inserts it into every request, hits included).
struct PerConnection(App);

impl<'a> tower::Service<IncomingStream<'a, SendfileListener>> for PerConnection {
    type Response = App;
    type Error = Infallible;
    type Future = std::future::Ready<Result<App, Infallible>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Infallible>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, stream: IncomingStream<'a, SendfileListener>) -> Self::Future {
        std::future::ready(Ok(self.0.for_peer(*stream.remote_addr())))
    }
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
