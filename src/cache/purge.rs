//! Tells a cache in front of the site (Varnish with its xkey module, or any cache that takes the
//! same request) to forget what this node's caches forget: each change becomes one `PURGE`
//! request to `--purge-url` naming the keys in an `xkey-purge` header, the names every page
//! sends in `Surrogate-Key` (`deploy/varnish.vcl` turns them into xkey purges).
//!
//! Every node sends the purges for every change it applies, its own and other nodes' alike: a
//! node that dies between its commit and its purge is covered by the others, and a cache purged
//! twice loses nothing. Changes wait in a short queue and go out one request at a time, merged
//! while one is in flight; when the queue is full, or the cache does not answer after a few
//! tries, the next purge names the site key, which empties the cache in front rather than leave
//! it stale.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use reqwest::{Method, Url};
use tokio::sync::mpsc;

use super::{Changed, Changes, Forget};

/// Changes waiting to go out; past this, the next purge is of everything.
const QUEUE: usize = 256;
const TRIES: u32 = 3;
const TIMEOUT: Duration = Duration::from_secs(5);
/// The header that names what to purge, as `deploy/varnish.vcl` reads it.
pub const PURGE_HEADER: &str = "xkey-purge";

/// Hands changes to the purging task. Keep it for as long as the server runs: the record of
/// changes holds it weakly.
pub struct Purger {
    queue: mpsc::Sender<Changed>,
    /// A change could not be queued or sent: the next purge empties the cache in front.
    lost: Arc<AtomicBool>,
}

impl Forget for Purger {
    fn forget(&self, changed: &Changed) {
        if self.queue.try_send(changed.clone()).is_err() {
            self.lost.store(true, Ordering::Relaxed);
        }
    }
}

/// Starts purging `url` for every change `changes` records.
pub fn spawn(url: Url, changes: &Arc<Changes>) -> anyhow::Result<Arc<Purger>> {
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let (queue, mut waiting) = mpsc::channel(QUEUE);
    let purger = Arc::new(Purger {
        queue,
        lost: Arc::new(AtomicBool::new(false)),
    });
    let weak: Weak<dyn Forget> = Arc::downgrade(&purger) as Weak<dyn Forget>;
    changes.subscribe(weak);
    let lost = purger.lost.clone();
    tokio::spawn(async move {
        let mut reported = false;
        while let Some(first) = waiting.recv().await {
            let mut changed = first;
            while let Ok(more) = waiting.try_recv() {
                changed.merge(more);
            }
            if lost.swap(false, Ordering::Relaxed) {
                changed = Changed::Everything;
            }
            match send(&client, &url, &changed).await {
                Ok(()) if reported => {
                    reported = false;
                    tracing::info!(%url, "the cache in front takes purges again");
                }
                Ok(()) => {}
                Err(error) => {
                    lost.store(true, Ordering::Relaxed);
                    if !reported {
                        reported = true;
                        tracing::warn!(
                            %url, %error,
                            "cannot purge the cache in front: it may serve changed pages until \
                             their max-age runs out; check that it is running and that --purge-url \
                             names it (the next purge that gets through empties it)"
                        );
                    }
                }
            }
        }
    });
    Ok(purger)
}

/// One purge, tried up to [`TRIES`] times.
async fn send(client: &reqwest::Client, url: &Url, changed: &Changed) -> anyhow::Result<()> {
    let keys = changed.purge_keys().join(" ");
    let mut pause = Duration::from_millis(200);
    let mut last = None;
    for _ in 0..TRIES {
        let sent = client
            .request(Method::from_bytes(b"PURGE")?, url.clone())
            .header(PURGE_HEADER, &keys)
            .send()
            .await;
        match sent {
            Ok(answer) if answer.status().is_success() => {
                metrics::counter!("broadsheet_purges_total", "outcome" => "sent").increment(1);
                return Ok(());
            }
            Ok(answer) => last = Some(anyhow::anyhow!("it answered {}", answer.status())),
            Err(error) => last = Some(error.into()),
        }
        tokio::time::sleep(pause).await;
        pause *= 2;
    }
    metrics::counter!("broadsheet_purges_total", "outcome" => "failed").increment(1);
    Err(last.unwrap_or_else(|| anyhow::anyhow!("no answer")))
}
