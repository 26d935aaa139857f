//! The article workflow, decided once for every door — the editor, the article list's bulk
//! actions, `/api/v1`, and the importers and compatibility APIs to come: which transitions there
//! are, who may make each (the role table in docs/admin.md, through [`permissions`]), and what
//! each makes of an article's status and publication time. A door translates a request into a
//! [`Transition`] and the answer into a response; none decides a status itself.
//!
//! | transition | status after | publication time | who |
//! | --- | --- | --- | --- |
//! | save | unchanged (new: draft) | as given; a published article's may not be in the future | whoever may edit it |
//! | submit | review | as given | whoever may edit it |
//! | publish | published | as given if past, else now | whoever may publish it |
//! | schedule | scheduled | as given, which must be in the future | whoever may publish it |
//! | unpublish | draft | none | whoever may publish it |
//! | archive | archived | kept, else as given, else now | whoever may publish it |
//! | delete | — | — | whoever may edit it; once published, whoever may publish it |

use chrono_tz::Tz;

use super::permissions::{check_byline, may_edit, may_publish};
use super::service::{self, Edit, Editable, Status};
use crate::accounts::service::User;
use crate::accounts::{Capability, allows};
use crate::clock::Clock;
use crate::db::{Db, Timestamp};
use crate::error::{AppError, AppResult, FieldError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Save,
    Submit,
    Publish,
    Schedule,
    Unpublish,
    Archive,
}

impl Transition {
    pub const ALL: [Transition; 6] = [
        Transition::Save,
        Transition::Submit,
        Transition::Publish,
        Transition::Schedule,
        Transition::Unpublish,
        Transition::Archive,
    ];

    /// The editor's buttons and the bulk actions name transitions.
    pub fn parse(action: &str) -> Option<Transition> {
        Some(match action {
            "save" | "" => Transition::Save,
            "submit" => Transition::Submit,
            "publish" => Transition::Publish,
            "schedule" => Transition::Schedule,
            "unpublish" | "draft" => Transition::Unpublish,
            "archive" => Transition::Archive,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Transition::Save => "save",
            Transition::Submit => "submit",
            Transition::Publish => "publish",
            Transition::Schedule => "schedule",
            Transition::Unpublish => "unpublish",
            Transition::Archive => "archive",
        }
    }

    /// The transition that takes an article in `current` to `wanted`, for doors that name the
    /// status they want rather than an action (the JSON API).
    pub fn to_reach(current: Status, wanted: Status) -> Transition {
        match wanted {
            _ if wanted == current => Transition::Save,
            Status::Draft => Transition::Unpublish,
            Status::Review => Transition::Submit,
            Status::Scheduled => Transition::Schedule,
            Status::Published => Transition::Publish,
            Status::Archived => Transition::Archive,
        }
    }

    /// What was done, for the notice an editor sees after it (`?notice=published`).
    pub fn done(self) -> &'static str {
        match self {
            Transition::Save => "saved",
            Transition::Submit => "submitted",
            Transition::Publish => "published",
            Transition::Schedule => "scheduled",
            Transition::Unpublish => "unpublished",
            Transition::Archive => "archived",
        }
    }

    /// Whether the transition changes what readers may see, which only publishers decide.
    fn publishes(self) -> bool {
        !matches!(self, Transition::Save | Transition::Submit)
    }
}

/// Where an existing article stands before a transition.
#[derive(Debug, Clone, Copy)]
pub struct Standing {
    pub created_by: Option<i64>,
    pub status: Status,
    pub published_at: Option<Timestamp>,
}

/// An article's status and publication time after a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub status: Status,
    pub published_at: Option<Timestamp>,
}

fn time_error(message: &str) -> AppError {
    AppError::Invalid(vec![FieldError {
        field: "published_at".into(),
        message: message.into(),
    }])
}

/// What `transition` makes of an article for `user`: `current` is where it stands (`None` for a
/// new article, which `user` will own) and `requested_at` the publication time the request
/// gives, if any. Refuses what the role table does not allow, and times that make no sense for
/// the transition.
pub fn decide(
    user: &User,
    current: Option<&Standing>,
    transition: Transition,
    requested_at: Option<Timestamp>,
    now: Timestamp,
) -> AppResult<Outcome> {
    let owner = current.map_or(Some(user.id), |c| c.created_by);
    let may_write = match current {
        Some(c) => may_edit(user, c.created_by, c.status),
        None => allows(user.role, Capability::WriteOwnArticle),
    };
    if !may_write {
        return Err(AppError::Forbidden(
            "your role may not edit this article".into(),
        ));
    }
    if transition.publishes() && !may_publish(user, owner) {
        return Err(AppError::Forbidden(
            "your role may not publish, schedule, unpublish or archive this article; submit it \
             for review"
                .into(),
        ));
    }
    let status = current.map_or(Status::Draft, |c| c.status);
    let outcome = |status, published_at| {
        Ok(Outcome {
            status,
            published_at,
        })
    };
    match transition {
        Transition::Save => match status {
            Status::Published if requested_at.is_some_and(|t| t > now) => Err(time_error(
                "a published article's time cannot be in the future; schedule it instead",
            )),
            Status::Published => outcome(
                status,
                requested_at.or(current.and_then(|c| c.published_at)),
            ),
            _ => outcome(status, requested_at),
        },
        Transition::Submit => outcome(Status::Review, requested_at),
        Transition::Publish => outcome(
            Status::Published,
            Some(requested_at.filter(|t| *t <= now).unwrap_or(now)),
        ),
        Transition::Schedule => match requested_at {
            Some(at) if at > now => outcome(Status::Scheduled, Some(at)),
            _ => Err(time_error(
                "to schedule, give a publication time in the future",
            )),
        },
        Transition::Unpublish => outcome(Status::Draft, None),
        Transition::Archive => outcome(
            Status::Archived,
            current
                .and_then(|c| c.published_at)
                .or(requested_at)
                .or(Some(now)),
        ),
    }
}

impl Standing {
    pub fn of(article: &Editable) -> Standing {
        Standing {
            created_by: article.created_by,
            status: article.status,
            published_at: article.input.published_at,
        }
    }
}

/// One article as an API write asks for it: `wanted` is the article with the caller's changes
/// applied (its status the one asked for), `tag_names` tags to add by name (made when missing).
pub struct Write {
    pub wanted: service::ArticleInput,
    pub tag_names: Vec<String>,
    /// For an update: the version the caller last read, to refuse a save over someone else's.
    pub expected_version: Option<Timestamp>,
}

/// Saves an API write for `user`, as a new article or over `existing`, the one way every API
/// door (Broadsheet's JSON API, the WordPress API) does: the status asked for is reached by the
/// workflow's transition, the role table decides, the byline is checked, and only then are
/// tags made and the article written. Returns the article's id.
pub async fn write(
    db: &Db,
    clock: &Clock,
    tz: Tz,
    user: &User,
    existing: Option<&Editable>,
    write: Write,
) -> AppResult<i64> {
    let Write {
        mut wanted,
        tag_names,
        expected_version,
    } = write;
    let standing = existing.map(Standing::of);
    let current = existing.map_or(Status::Draft, |e| e.status);
    let transition = Transition::to_reach(current, wanted.status);
    let outcome = decide(
        user,
        standing.as_ref(),
        transition,
        wanted.published_at,
        clock.now(),
    )?;
    wanted.status = outcome.status;
    wanted.published_at = outcome.published_at;
    let already = existing
        .map(|e| e.input.author_ids.clone())
        .unwrap_or_default();
    check_byline(user, &wanted.author_ids, &already)?;
    for id in service::tags_for(db, user, &tag_names).await? {
        if !wanted.tag_ids.contains(&id) {
            wanted.tag_ids.push(id);
        }
    }
    match existing {
        None => {
            wanted.created_by = Some(user.id);
            service::create_article(db, clock, wanted).await
        }
        Some(article) => {
            let edit = Edit {
                by: Some(user.id),
                expected_version,
            };
            service::update_article(db, clock, tz, article.id, wanted, edit).await?;
            Ok(article.id)
        }
    }
}

/// Makes one transition on several articles (the article list's bulk actions) in one
/// transaction: all change, or none does.
pub async fn apply_to_many(
    db: &Db,
    clock: &Clock,
    tz: Tz,
    user: &User,
    ids: &[i64],
    transition: Transition,
) -> AppResult<()> {
    let now = clock.now();
    let mut changes = Vec::with_capacity(ids.len());
    for id in ids {
        let article = service::editable(db, tz, *id).await?;
        let standing = Standing::of(&article);
        let outcome = decide(
            user,
            Some(&standing),
            transition,
            standing.published_at,
            now,
        )?;
        let mut input = article.input;
        input.status = outcome.status;
        input.published_at = outcome.published_at;
        changes.push((article.id, article.version, input));
    }
    let mut tx = db.begin().await?;
    for (id, version, input) in changes {
        let edit = Edit {
            by: Some(user.id),
            expected_version: Some(version),
        };
        service::update_article_in(&mut tx, now, tz, id, input, edit).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Whether `user` may delete an article for good: a draft or one in review by whoever may edit
/// it; anything readers may have seen only by whoever may publish it.
pub fn check_delete(user: &User, current: &Standing) -> AppResult<()> {
    let allowed = may_edit(user, current.created_by, current.status)
        && (matches!(current.status, Status::Draft | Status::Review)
            || may_publish(user, current.created_by));
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "your role may not delete this article".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::Role;

    const NOW: Timestamp = Timestamp::from_micros(1_781_524_800_000_000);

    fn person(role: Role) -> User {
        User {
            id: 7,
            email: "p@news.example".into(),
            name: "P".into(),
            role,
            disabled: false,
            has_password: true,
            author_id: None,
            created_at: NOW,
        }
    }

    fn own(status: Status) -> Standing {
        Standing {
            created_by: Some(7),
            status,
            published_at: None,
        }
    }

    #[test]
    fn publish_turns_a_future_time_into_now_and_schedule_needs_one() {
        let editor = person(Role::Editor);
        let future = NOW.plus_seconds(3600);
        let past = NOW.plus_seconds(-3600);
        let publish = |at| decide(&editor, None, Transition::Publish, at, NOW);
        assert_eq!(publish(Some(future)).unwrap().published_at, Some(NOW));
        assert_eq!(publish(Some(past)).unwrap().published_at, Some(past));
        let schedule = |at| decide(&editor, None, Transition::Schedule, at, NOW);
        assert_eq!(schedule(Some(future)).unwrap().status, Status::Scheduled);
        assert_eq!(schedule(Some(past)).unwrap_err().code(), "invalid");
        assert_eq!(schedule(None).unwrap_err().code(), "invalid");
    }

    #[test]
    fn contributors_write_and_submit_but_never_publish() {
        let contributor = person(Role::Contributor);
        for transition in Transition::ALL {
            let result = decide(&contributor, None, transition, None, NOW);
            assert_eq!(result.is_ok(), !transition.publishes(), "{transition:?}");
        }
        let published = own(Status::Published);
        let edit = decide(&contributor, Some(&published), Transition::Save, None, NOW);
        assert_eq!(edit.unwrap_err().code(), "forbidden", "not once published");
        assert!(check_delete(&contributor, &own(Status::Draft)).is_ok());
        assert!(check_delete(&contributor, &published).is_err());
    }
}
