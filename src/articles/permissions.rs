//! Who may edit and publish an article: the capability table applied to an article's owner and
//! status. The admin and the API both ask here, so they can never disagree.

use super::service::Status;
use crate::accounts::service::User;
use crate::accounts::{Capability, allows};

/// Editors edit everything; authors their own articles; contributors their own drafts until
/// they are published.
pub fn may_edit(user: &User, created_by: Option<i64>, status: Status) -> bool {
    allows(user.role, Capability::EditAnyArticle)
        || (created_by == Some(user.id)
            && (allows(user.role, Capability::PublishOwnArticle)
                || matches!(status, Status::Draft | Status::Review)))
}

/// Publishing, scheduling, unpublishing and archiving.
pub fn may_publish(user: &User, created_by: Option<i64>) -> bool {
    allows(user.role, Capability::EditAnyArticle)
        || (created_by == Some(user.id) && allows(user.role, Capability::PublishOwnArticle))
}
