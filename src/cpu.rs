//! CPU-heavy work done for a request — hashing a password, reading a comment's spam features —
//! runs here rather than on the async threads: on tokio's blocking threads, at most one task per
//! core at a time. A slow task then cannot stall the requests sharing its async thread (nor
//! `/healthz`), and a burst of such requests waits its turn instead of starting a thread each.
//! The image service has its own workers and queue (`media::images`), sized by its flags.
//!
//! Work known beforehand to be short stays where it is, as a page's render does: a reader's
//! search with short posting lists (`search::service`) takes less time than the two thread
//! wake-ups of handing it here and back.

use std::sync::{Arc, LazyLock};

use tokio::sync::Semaphore;

static TURNS: LazyLock<Arc<Semaphore>> = LazyLock::new(|| {
    Arc::new(Semaphore::new(
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
    ))
});

/// Runs `work` on a blocking thread once a core's turn is free.
pub async fn run<T, F>(work: F) -> anyhow::Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let turn = TURNS
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| anyhow::anyhow!("the CPU pool is closed: {e}"))?;
    tokio::task::spawn_blocking(move || {
        // The turn ends with the work, not when the caller is next polled: a caller whose
        // async thread is busy with another request would hold a core's turn while the core
        // idles (a fifth of both cores under a burst of searches).
        let _turn = turn;
        work()
    })
    .await
    .map_err(|e| anyhow::anyhow!("a CPU task failed: {e}"))
}
