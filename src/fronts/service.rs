//! The desk's work on a front: a shared draft changed one edit at a time, published at once or
//! scheduled to take over later, and every published layout kept as a revision to go back to.
//! Who may do this is decided at the door (`ArrangeFronts`); these functions record who did.

use super::layout::{Block, Edit, FrontKey, Layout, MAX_SECONDARY, Source};
use super::store::{self, LayoutRow};
use crate::articles::service as articles;
use crate::cache::{Changed, Tag};
use crate::clock::Clock;
use crate::db::{Db, Timestamp, Tx};
use crate::error::{AppError, AppResult};

/// How many revisions of a front the desk is shown.
pub const REVISIONS_SHOWN: i64 = 50;

/// A front's layout as the desk sees it.
pub struct Desk {
    /// The draft if there is one, else the layout readers see now.
    pub layout: Layout,
    /// Whether `layout` is an unpublished draft.
    pub is_draft: bool,
    /// The draft's version, which a change must name.
    pub version: Option<i64>,
    pub updated_by: Option<i64>,
    pub updated_at: Option<Timestamp>,
}

/// One published layout of a front.
pub struct Revision {
    pub id: i64,
    pub layout: Layout,
    pub starts_at: Timestamp,
    pub created_by: Option<i64>,
    pub created_at: Timestamp,
}

fn parse(json: &str) -> AppResult<Layout> {
    serde_json::from_str(json).map_err(|e| {
        AppError::Internal(anyhow::anyhow!("a stored front layout is unreadable: {e}"))
    })
}

fn to_json(layout: &Layout) -> AppResult<String> {
    serde_json::to_string(layout).map_err(|e| AppError::Internal(e.into()))
}

fn revision(row: LayoutRow) -> AppResult<Revision> {
    Ok(Revision {
        id: row.id,
        layout: parse(&row.layout)?,
        starts_at: row.starts_at,
        created_by: row.created_by,
        created_at: row.created_at,
    })
}

/// The layout readers see at `now`: the newest published one whose time has come, or the
/// automatic front (an empty layout) when there is none.
pub async fn in_force(db: &Db, now: Timestamp, front: FrontKey) -> AppResult<Layout> {
    match store::in_force(db, &front.as_string(), now).await? {
        Some(row) => parse(&row.layout),
        None => Ok(Layout::default()),
    }
}

/// The stories the home page features by hand now (its lead and those beside it): what
/// WordPress calls sticky posts.
pub async fn featured_on_home(db: &Db, now: Timestamp) -> AppResult<Vec<i64>> {
    let layout = in_force(db, now, FrontKey::Home).await?;
    Ok(layout.lead.into_iter().chain(layout.secondary).collect())
}

pub async fn desk(db: &Db, now: Timestamp, front: FrontKey) -> AppResult<Desk> {
    Ok(match store::draft(db, &front.as_string()).await? {
        Some(d) => Desk {
            layout: parse(&d.layout)?,
            is_draft: true,
            version: Some(d.version),
            updated_by: d.updated_by,
            updated_at: Some(d.updated_at),
        },
        None => Desk {
            layout: in_force(db, now, front).await?,
            is_draft: false,
            version: None,
            updated_by: None,
            updated_at: None,
        },
    })
}

/// Makes one edit to the front's draft (started from the layout in force when there is none).
/// A new block may come with an empty title: it is named after what it shows.
/// `seen` is the draft's version the editor's screen showed: when someone else has changed the
/// draft since, the edit is refused rather than made on top of a layout nobody looked at.
pub async fn edit(
    db: &Db,
    clock: &Clock,
    front: FrontKey,
    by: i64,
    seen: Option<i64>,
    edit: Edit,
) -> AppResult<()> {
    let now = clock.now();
    let key = front.as_string();
    let current = desk(db, now, front).await?;
    if current.version != seen {
        return Err(changed_meanwhile());
    }
    let changed = current.layout.apply(checked(db, now, edit).await?)?;
    let saved = store::save_draft(db, &key, &to_json(&changed)?, by, now, seen).await?;
    if !saved {
        return Err(changed_meanwhile());
    }
    Ok(())
}

fn changed_meanwhile() -> AppError {
    AppError::Conflict {
        code: "front_changed",
        message: "someone else changed this front a moment ago; look at it again and repeat \
                  your change"
            .into(),
    }
}

/// The edit as it will be made: a story must be published to be placed, and a new block must
/// name a section or tag that exists; a block given no title takes the name of what it shows.
async fn checked(db: &Db, now: Timestamp, edit: Edit) -> AppResult<Edit> {
    let refuse = |message: &str| Err(AppError::BadRequest(message.into()));
    match edit {
        Edit::Place { story, .. }
            if articles::cards_by_ids(db, now, &[story]).await?.is_empty() =>
        {
            refuse("only a published story can be placed on a front")
        }
        Edit::AddBlock(block) => {
            let name = match &block.source {
                Source::Section { id } => match articles::sections(db)
                    .await?
                    .into_iter()
                    .find(|s| s.id == *id)
                {
                    Some(section) => section.name,
                    None => return refuse("there is no such section"),
                },
                Source::Tag { id } => match articles::tag(db, *id).await? {
                    Some(tag) => tag.name,
                    None => return refuse("there is no such tag"),
                },
                Source::Picked { stories } if !stories.is_empty() => {
                    return refuse("a new hand-picked block starts empty; place stories in it");
                }
                Source::Picked { .. } => "Editor's picks".into(),
                Source::Latest => "Latest".into(),
                Source::MostCommented => "Most commented".into(),
            };
            let title = match block.title.trim() {
                "" => name,
                given => given.to_string(),
            };
            Ok(Edit::AddBlock(Block::new(
                &title,
                block.count,
                block.source,
            )?))
        }
        other => Ok(other),
    }
}

/// Publishes the draft: at once, or from `at` when that is later than now. Readers see it at
/// that time through the page cache's usual invalidation; the draft is gone from the desk.
pub async fn publish(
    db: &Db,
    clock: &Clock,
    front: FrontKey,
    by: i64,
    at: Option<Timestamp>,
) -> AppResult<()> {
    let now = clock.now();
    let key = front.as_string();
    let draft = store::draft(db, &key)
        .await?
        .ok_or_else(|| AppError::BadRequest("there are no changes to publish".into()))?;
    let layout = parse(&draft.layout)?;
    let starts_at = at.filter(|t| *t > now).unwrap_or(now);
    let mut tx = db.begin().await?;
    store::insert_layout(&mut tx, &key, &to_json(&layout)?, starts_at, Some(by), now).await?;
    store::delete_draft_in(&mut tx, &key).await?;
    if starts_at <= now {
        tx.changed(Changed::only([front.cache_name()])).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Leads the home page with `stories` (the first as the lead, the next beside it) when no one
/// has laid the home page out yet: for an importer bringing WordPress's sticky posts, which
/// never overrides an editor's choice. Returns whether it did.
pub async fn feature_on_home_in(tx: &mut Tx, now: Timestamp, stories: &[i64]) -> AppResult<bool> {
    let key = FrontKey::Home.as_string();
    let Some((lead, rest)) = stories.split_first() else {
        return Ok(false);
    };
    if store::has_layouts_in(tx, &key).await? {
        return Ok(false);
    }
    let layout = Layout {
        lead: Some(*lead),
        secondary: rest.iter().take(MAX_SECONDARY).copied().collect(),
        blocks: Vec::new(),
    };
    store::insert_layout(tx, &key, &to_json(&layout)?, now, None, now).await?;
    tx.changed(Changed::only([Tag::HOME])).await?;
    Ok(true)
}

/// Drops the draft: the desk shows the layout in force again.
pub async fn discard(db: &Db, front: FrontKey) -> AppResult<()> {
    let mut tx = db.begin().await?;
    store::delete_draft_in(&mut tx, &front.as_string()).await?;
    tx.commit().await?;
    Ok(())
}

/// The front's published layouts, the latest to take effect first.
pub async fn revisions(db: &Db, front: FrontKey) -> AppResult<Vec<Revision>> {
    store::revisions(db, &front.as_string(), REVISIONS_SHOWN)
        .await?
        .into_iter()
        .map(revision)
        .collect()
}

/// Puts an earlier layout back in front of readers now, as a new revision; layouts scheduled
/// for later still take over at their time.
pub async fn restore(db: &Db, clock: &Clock, front: FrontKey, by: i64, id: i64) -> AppResult<()> {
    let now = clock.now();
    let key = front.as_string();
    let row = store::revision(db, &key, id)
        .await?
        .ok_or_else(|| AppError::not_found("there is no such revision of this front"))?;
    let mut tx = db.begin().await?;
    store::insert_layout(&mut tx, &key, &row.layout, now, Some(by), now).await?;
    tx.changed(Changed::only([front.cache_name()])).await?;
    tx.commit().await?;
    Ok(())
}

/// Cancels a layout scheduled for later.
pub async fn cancel(db: &Db, clock: &Clock, front: FrontKey, id: i64) -> AppResult<()> {
    if store::delete_scheduled(db, &front.as_string(), id, clock.now()).await? {
        Ok(())
    } else {
        Err(AppError::Conflict {
            code: "not_scheduled",
            message: "that layout is not scheduled any more: it has taken effect or was cancelled"
                .into(),
        })
    }
}

/// The next time a scheduled layout takes over, so caches refresh then although nothing was
/// written at that moment.
pub async fn next_change_after(db: &Db, now: Timestamp) -> AppResult<Option<Timestamp>> {
    Ok(store::next_start_after(db, now).await?)
}
