//! Levels read at scrape time rather than counted: each is one cheap read of state the rooms
//! keep anyway (a pool's size, a cache's bytes) or one small query (the job queue, the search
//! log's head), so nothing is counted twice and nothing drifts.

use crate::jobs;
use crate::state::AppState;
use crate::web::sealed;

/// Sets every level gauge to its value now. A level that cannot be read (the database is down)
/// is left out of this scrape, and `broadsheet_database_up` says why.
pub async fn read(state: &AppState) {
    let (connections, idle) = state.db.pool_use();
    metrics::gauge!("broadsheet_database_pool_connections").set(f64::from(connections));
    metrics::gauge!("broadsheet_database_pool_idle").set(idle as f64);
    let up = state.db.ping().await.is_ok();
    metrics::gauge!("broadsheet_database_up").set(if up { 1.0 } else { 0.0 });

    let cache = &state.page_cache;
    metrics::gauge!("broadsheet_page_cache_entries").set(cache.len() as f64);
    metrics::gauge!("broadsheet_page_cache_bytes").set(cache.bytes() as f64);
    metrics::gauge!("broadsheet_page_cache_sendfile_pages").set(sealed::open_files() as f64);
    metrics::gauge!("broadsheet_image_queue_waiting").set(state.images.waiting() as f64);

    if !up {
        return;
    }
    match jobs::health(&state.db, state.clock.now()).await {
        Ok(queue) => {
            metrics::gauge!("broadsheet_jobs_pending").set(queue.pending as f64);
            metrics::gauge!("broadsheet_jobs_due").set(queue.due as f64);
            metrics::gauge!("broadsheet_jobs_oldest_due_seconds")
                .set(queue.oldest_due_seconds as f64);
        }
        Err(error) => {
            tracing::warn!(%error, "metrics: cannot read the job queue; its gauges keep their last values")
        }
    }
    match state.search.lag(&state.db).await {
        Ok(lag) => {
            metrics::gauge!("broadsheet_search_index_ready").set(if lag.is_some() {
                1.0
            } else {
                0.0
            });
            metrics::gauge!("broadsheet_search_index_lag_changes").set(lag.unwrap_or(0) as f64);
        }
        Err(error) => {
            tracing::warn!(%error, "metrics: cannot read the search log; its gauges keep their last values")
        }
    }
}
