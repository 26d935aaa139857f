//! Capabilities as types, so a handler's signature says who may call it: the admin's
//! `Can<ManageNewsletters>` and the API's `ApiUser<ManageTaxonomy>` refuse everyone else before
//! the handler runs (and before a body is read), and a handler cannot forget to ask.
//!
//! Each capability is declared here once, as a variant of [`Capability`] and as a type of the
//! same name; the answer still comes from [`allows`] and its one table in `roles.rs`.

use super::roles::{Role, allows};

/// Who may pass a door: any signed-in account, or the roles that have one capability.
pub trait Permission: Send + Sync + 'static {
    /// The capability this door asks for, or `None` when any account may pass.
    const CAPABILITY: Option<Capability>;

    fn allows(role: Role) -> bool {
        Self::CAPABILITY.is_none_or(|capability| allows(role, capability))
    }
}

/// Any signed-in account (or any valid API token): the door for one's own things, where the
/// service decides per item.
pub enum SignedIn {}

impl Permission for SignedIn {
    const CAPABILITY: Option<Capability> = None;
}

/// Declares each capability once: as a variant of [`Capability`] for the table, and as a type of
/// the same name for the doors.
macro_rules! capabilities {
    ($($(#[doc = $doc:literal])* $name:ident,)*) => {
        /// Something a role may be allowed to do; [`allows`] answers from the one table.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Capability {
            $($(#[doc = $doc])* $name,)*
        }

        $(
            #[doc = concat!("The door for [`Capability::", stringify!($name), "`].")]
            pub enum $name {}

            impl Permission for $name {
                const CAPABILITY: Option<Capability> = Some(Capability::$name);
            }
        )*
    };
}

capabilities! {
    /// Add people, change roles, disable accounts.
    ManagePeople,
    /// Site settings: name, time zone, language, logo.
    ManageSettings,
    /// Sections, tags and author profiles.
    ManageTaxonomy,
    /// Lay out the home page and the section fronts.
    ArrangeFronts,
    /// Write and publish the site's pages (About, Contact…) and edit its menus.
    ManagePages,
    /// Edit and publish anyone's articles.
    EditAnyArticle,
    /// Publish, schedule and unpublish one's own articles.
    PublishOwnArticle,
    /// Write one's own drafts and submit them for review.
    WriteOwnArticle,
    /// Upload to the media library, and change or delete one's own uploads.
    UploadMedia,
    /// Change and delete anyone's media.
    ManageAnyMedia,
    /// Approve, spam and trash comments.
    ModerateComments,
    /// Manage newsletters and send issues.
    ManageNewsletters,
    /// Read the outbox of mail not sent over SMTP.
    ViewOutbox,
}

/// The same question for a door that learns who calls only while it runs (the WordPress API's
/// application passwords): a 403 unless `user`'s role passes `P`.
pub fn require<P: Permission>(
    user: &super::service::User,
    what: &str,
) -> crate::error::AppResult<()> {
    if P::allows(user.role) {
        Ok(())
    } else {
        Err(crate::error::AppError::Forbidden(format!(
            "your role ({}) may not {what}",
            user.role.as_str()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_type_answers_as_its_row_of_the_table() {
        for role in Role::ALL {
            assert!(SignedIn::allows(role));
            assert_eq!(
                ManageNewsletters::allows(role),
                allows(role, Capability::ManageNewsletters)
            );
            assert_eq!(
                UploadMedia::allows(role),
                allows(role, Capability::UploadMedia)
            );
        }
        assert!(!ManagePeople::allows(Role::Editor));
        assert!(WriteOwnArticle::allows(Role::Contributor));
    }
}
