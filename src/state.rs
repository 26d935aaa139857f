//! The state every handler shares: the database, the clock, the theme, the mailer, the media
//! and image services, the search index, the caches and the limits an operator set. It sits low in the tree, beside
//! the plumbing it holds, so a room's handlers and the plumbing can name it without depending on
//! the application that assembles the routers (`app.rs`).

use std::sync::Arc;

use crate::articles::FoundCards;
use crate::clock::Clock;
use crate::db::Db;
use crate::mail::{MailRoom, Mailer};
use crate::media::MediaFiles;
use crate::media::images::ImageService;
use crate::search::Indexer;
use crate::site::layout::RenderCache;
use crate::templates::Templates;
use crate::web::client::TrustedProxies;
use crate::web::page_cache::PageCache;

/// Everything a handler may need, behind one pointer: axum clones the state several times per
/// request (router, middleware, extractor), and one reference count shared by every core costs
/// far less than a dozen.
#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl AppState {
    pub fn new(services: Services) -> Self {
        AppState(Arc::new(services))
    }

    /// Changes a service before the state is shared (the test harness swaps the mailer).
    pub fn services_mut(&mut self) -> &mut Services {
        Arc::make_mut(&mut self.0)
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

#[derive(Clone)]
pub struct Services {
    pub db: Db,
    pub clock: Clock,
    pub templates: Arc<Templates>,
    pub media: Arc<MediaFiles>,
    pub images: Arc<ImageService>,
    pub mailer: Arc<Mailer>,
    pub limits: Limits,
    pub page_cache: Arc<PageCache>,
    pub render_cache: Arc<RenderCache>,
    /// Results pages' cards, kept until a write changes them.
    pub found_cards: Arc<FoundCards>,
    pub proxies: Arc<TrustedProxies>,
    /// This node's search index and the indexer that keeps it current.
    pub search: Arc<Indexer>,
    /// The bearer token that opens `/metrics` on the site's own address; none keeps it shut.
    pub metrics_token: Option<Arc<str>>,
    /// How long a claim on a job or on a batch of readers holds (`--claim-lease-seconds`).
    pub claim_lease: std::time::Duration,
}

/// Size limits an operator may set.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The largest media upload, in bytes.
    pub upload_bytes: usize,
}

impl Services {
    /// What a service needs to send mail: the database, the clock, the mailer and the theme.
    pub fn mail_room(&self) -> MailRoom {
        MailRoom {
            db: self.db.clone(),
            clock: self.clock.clone(),
            mailer: self.mailer.clone(),
            templates: self.templates.clone(),
            claim_lease: self.claim_lease,
        }
    }
}
