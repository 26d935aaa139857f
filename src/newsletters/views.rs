//! Newsletters and issues as templates see them: named fields a theme may rely on, kept apart
//! from the stored rows so a change to a table does not break a theme.

use serde::Serialize;

use super::issues::Issue;
use super::service::Newsletter;

/// A newsletter, on `/newsletters` and in the admin.
#[derive(Debug, Serialize)]
pub struct NewsletterView {
    pub id: i64,
    pub name: String,
    /// The newsletter's sign-up key, as the sign-up forms send it.
    pub slug: String,
    pub description: String,
    /// `daily`, `weekly`, `publish` (an issue per published article) or `manual`.
    pub cadence: String,
    /// `HH:MM` in the site's time zone.
    pub send_time: String,
    /// Whether readers can sign up and issues go out.
    pub active: bool,
}

impl From<&Newsletter> for NewsletterView {
    fn from(n: &Newsletter) -> Self {
        NewsletterView {
            id: n.id,
            name: n.name.clone(),
            slug: n.slug.clone(),
            description: n.description.clone(),
            cadence: n.cadence.clone(),
            send_time: n.send_time.clone(),
            active: n.active,
        }
    }
}

/// One issue of a newsletter, in the admin.
#[derive(Debug, Serialize)]
pub struct IssueView {
    pub id: i64,
    /// Empty until an editor writes one; the lead story's headline is used then.
    pub subject: String,
    pub intro: String,
    /// `draft`, `scheduled`, `sending` or `sent`.
    pub status: String,
}

impl From<&Issue> for IssueView {
    fn from(i: &Issue) -> Self {
        IssueView {
            id: i.id,
            subject: i.subject.clone(),
            intro: i.intro.clone(),
            status: i.status.clone(),
        }
    }
}
