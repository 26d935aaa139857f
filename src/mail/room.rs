//! What the services that send mail work with — confirmations, comment notices, password links,
//! newsletter issues — and what the job runner hands them.

use std::sync::Arc;
use std::time::Duration;

use super::Mailer;
use crate::clock::Clock;
use crate::db::Db;
use crate::templates::Templates;

/// The database (to record what was sent), the clock, the mailer and the theme's mail templates:
/// the parts of the application state a mail-sending service needs, so it can run from a
/// request, a job or the CLI alike.
#[derive(Clone)]
pub struct MailRoom {
    pub db: Db,
    pub clock: Clock,
    pub mailer: Arc<Mailer>,
    pub templates: Arc<Templates>,
    /// How long a claim on a job or on a batch of readers holds (`--claim-lease-seconds`).
    pub claim_lease: Duration,
}
