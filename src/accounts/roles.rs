//! Who may do what: WordPress's four familiar roles and the one table of their capabilities.
//! Every admin route and API call asks [`allows`]; nothing else decides.

use serde::Serialize;

pub use super::can::Capability;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Administrator,
    Editor,
    Author,
    Contributor,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Administrator,
        Role::Editor,
        Role::Author,
        Role::Contributor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::Editor => "editor",
            Role::Author => "author",
            Role::Contributor => "contributor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

use Capability::*;
use Role::*;

/// The capability table, in the order the documentation shows it.
pub const TABLE: [(Capability, &str, [bool; 4]); 13] = [
    //                                              admin  editor author contributor
    (
        ManagePeople,
        "manage people and roles",
        [true, false, false, false],
    ),
    (
        ManageSettings,
        "change site settings",
        [true, false, false, false],
    ),
    (
        ManageTaxonomy,
        "manage sections, tags and author profiles",
        [true, true, false, false],
    ),
    (
        ArrangeFronts,
        "lay out the home page and section fronts",
        [true, true, false, false],
    ),
    (
        ManagePages,
        "write and publish pages and edit the menus",
        [true, true, false, false],
    ),
    (
        EditAnyArticle,
        "edit and publish every article",
        [true, true, false, false],
    ),
    (
        PublishOwnArticle,
        "publish and schedule own articles",
        [true, true, true, false],
    ),
    (
        WriteOwnArticle,
        "write own drafts and submit them for review",
        [true, true, true, true],
    ),
    (
        UploadMedia,
        "upload media, and edit or delete own uploads",
        [true, true, true, false],
    ),
    (
        ManageAnyMedia,
        "edit and delete anyone's media",
        [true, true, false, false],
    ),
    (
        ModerateComments,
        "moderate comments on every article",
        [true, true, false, false],
    ),
    (
        ManageNewsletters,
        "manage and send newsletters",
        [true, true, false, false],
    ),
    (
        ViewOutbox,
        "read the mail outbox",
        [true, true, false, false],
    ),
];

pub fn allows(role: Role, capability: Capability) -> bool {
    let column = match role {
        Administrator => 0,
        Editor => 1,
        Author => 2,
        Contributor => 3,
    };
    TABLE
        .iter()
        .find(|(c, _, _)| *c == capability)
        .is_some_and(|(_, _, roles)| roles[column])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_matches_wordpress_roles() {
        assert!(allows(Administrator, ManagePeople));
        assert!(!allows(Editor, ManagePeople));
        assert!(allows(Editor, EditAnyArticle));
        assert!(allows(Editor, ArrangeFronts));
        assert!(!allows(Author, ArrangeFronts));
        assert!(!allows(Author, EditAnyArticle));
        assert!(allows(Author, PublishOwnArticle));
        assert!(allows(Author, UploadMedia));
        assert!(!allows(Author, ManageAnyMedia));
        assert!(allows(Editor, ManageAnyMedia));
        assert!(!allows(Contributor, PublishOwnArticle));
        assert!(!allows(Contributor, UploadMedia));
        assert!(allows(Contributor, WriteOwnArticle));
        assert_eq!(Role::parse("editor"), Some(Editor));
        assert_eq!(Role::parse("root"), None);
    }
}
