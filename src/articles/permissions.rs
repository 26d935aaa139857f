//! Who may edit and publish an article, and under whose byline: the capability table applied to
//! an article's owner, status and authors. The admin and the API both ask here.

use super::service::Status;
use crate::accounts::service::User;
use crate::accounts::{Capability, allows};
use crate::error::{AppError, AppResult};

/// Editors edit everything; authors their own articles; contributors their own drafts until
/// they are published.
pub fn may_edit(user: &User, created_by: Option<i64>, status: Status) -> bool {
    allows(user.role, Capability::EditAnyArticle)
        || (created_by == Some(user.id)
            && (allows(user.role, Capability::PublishOwnArticle)
                || matches!(status, Status::Draft | Status::Review)))
}

/// Whose articles `user`'s lists of articles show (the admin's list, the APIs' lists of drafts):
/// everyone's for those who edit anyone's, else only the articles they created.
pub fn listed_creator(user: &User) -> Option<i64> {
    (!allows(user.role, Capability::EditAnyArticle)).then_some(user.id)
}

/// Publishing, scheduling, unpublishing and archiving.
pub fn may_publish(user: &User, created_by: Option<i64>) -> bool {
    allows(user.role, Capability::EditAnyArticle)
        || (created_by == Some(user.id) && allows(user.role, Capability::PublishOwnArticle))
}

/// Whether `user` may save an article with the authors `requested`, when it had `already`:
/// editors credit anyone; others only their own author profile and the authors the article
/// already had (an editor may have added a colleague), so no one publishes under a colleague's
/// name.
pub fn may_credit(user: &User, requested: &[i64], already: &[i64]) -> bool {
    allows(user.role, Capability::EditAnyArticle)
        || requested
            .iter()
            .all(|id| Some(*id) == user.author_id || already.contains(id))
}

/// [`may_credit`] as an answer for a request.
pub fn check_byline(user: &User, requested: &[i64], already: &[i64]) -> AppResult<()> {
    if may_credit(user, requested, already) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "only editors may credit other authors; choose your own author profile".into(),
        ))
    }
}
