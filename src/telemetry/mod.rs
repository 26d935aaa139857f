//! What the server counts for its operator, in Prometheus' text format at `/metrics`: requests by
//! route and status with their latency, the page cache, image renders, the job queue, mail, the
//! database pool and the search index's lag. Events are counted where they happen through the
//! `metrics` facade; levels (queue depth, pool use, cache size) are read when scraped.
//!
//! `/metrics` is served on `--metrics-listen` (an address only the monitoring network reaches),
//! or on the site's own address to a caller with `--metrics-token`; otherwise not at all.

mod levels;
mod pages;
mod requests;

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

pub use pages::{metrics_router, routes};
pub use requests::{NameRoute, Record, StepLayer};

/// Latency buckets in seconds: a cache hit takes microseconds, a render milliseconds, an import
/// request or a slow image seconds.
const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often histograms are folded into their buckets, so their samples never pile up in
/// memory when nobody scrapes.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

static RECORDER: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process's recorder, once: every application built later (tests build many)
/// records into the same one.
pub fn install() -> &'static PrometheusHandle {
    RECORDER.get_or_init(|| {
        let builder = PrometheusBuilder::new();
        let builder = builder
            .set_buckets(&LATENCY_BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed; /metrics will be empty");
        }
        let upkeep = handle.clone();
        let spawned = std::thread::Builder::new()
            .name("broadsheet-metrics".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(UPKEEP_EVERY);
                    upkeep.run_upkeep();
                }
            });
        if let Err(error) = spawned {
            tracing::warn!(%error, "cannot start the metrics upkeep thread; histograms are folded only when scraped");
        }
        handle
    })
}
