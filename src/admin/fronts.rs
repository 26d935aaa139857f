//! The front-page desk: editors lay out the home page and each section's front. Every change is
//! a button in a plain form (move up, move down, remove, place), so the desk works without
//! JavaScript; the preview frame beside it shows the draft as readers would see it.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::local_time;
use super::render::{self, Screen};
use crate::accounts::can::ArrangeFronts;
use crate::accounts::service as accounts;
use crate::articles::service::{self as articles, Card};
use crate::error::{AppError, FieldError, PageResult};
use crate::fronts::layout::{Block, Edit, FrontKey, Layout, List, MAX_PER_BLOCK, Slot, Source};
use crate::fronts::service::{self as fronts, Revision};
use crate::site::dates;
use crate::site::layout::TimeZone;
use crate::state::AppState;
use crate::web::form::FormFields;
use crate::web::security;
use crate::web::session::{Can, CurrentUser, SignedForm};

/// Stories the desk's search shows.
const FOUND: i64 = 20;

#[derive(Serialize)]
struct FrontLink {
    key: String,
    name: String,
    url: String,
    state: String,
}

#[derive(Serialize)]
struct FrontsView {
    fronts: Vec<FrontLink>,
}

/// The home page and every section's front, with what each shows now.
pub async fn list(
    State(state): State<AppState>,
    Can { me, .. }: Can<ArrangeFronts>,
) -> PageResult<Response> {
    let now = state.clock.now();
    let mut fronts = Vec::new();
    let sections = articles::sections(&state.db).await?;
    let keys = std::iter::once((FrontKey::Home, "Home page".to_string(), "/".to_string())).chain(
        sections.iter().map(|s| {
            (
                FrontKey::Section(s.id),
                s.name.clone(),
                format!("/{}", s.slug),
            )
        }),
    );
    for (key, name, url) in keys {
        // Without a draft, the desk shows the layout in force.
        let desk = fronts::desk(&state.db, now, key).await?;
        let state = match (desk.is_draft, desk.layout.is_empty()) {
            (true, _) => "unpublished changes",
            (false, true) => "automatic",
            (false, false) => "laid out by editors",
        };
        fronts.push(FrontLink {
            key: key.as_string(),
            name,
            url,
            state: state.into(),
        });
    }
    let screen = Screen::new("admin/fronts.html", "Fronts", "fronts");
    render::page(&state, Some(&me), screen, &FrontsView { fronts }).await
}

#[derive(Serialize)]
struct StoryView {
    id: i64,
    headline: String,
    section: String,
    date: String,
    /// Whether readers may see it now; a placed story that is not is left off the page.
    live: bool,
}

#[derive(Serialize)]
struct BlockDeskView {
    index: usize,
    title: String,
    count: u8,
    kind: &'static str,
    /// What the block shows, in words ("Newest in Business").
    describes: String,
    stories: Vec<StoryView>,
}

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
}

#[derive(Serialize)]
struct RevisionView {
    id: i64,
    starts: String,
    saved: String,
    by: String,
    state: &'static str,
    summary: String,
}

#[derive(Serialize)]
struct DeskView {
    key: String,
    name: String,
    url: String,
    is_home: bool,
    is_draft: bool,
    draft_by: String,
    draft_at: String,
    /// The draft's version, sent back with each change so two editors cannot overwrite each
    /// other unseen.
    seen: String,
    lead: Option<StoryView>,
    secondary: Vec<StoryView>,
    blocks: Vec<BlockDeskView>,
    q: String,
    found: Vec<StoryView>,
    slots: Vec<Choice>,
    sections: Vec<Choice>,
    tags: Vec<Choice>,
    max_per_block: u8,
    schedule_at: String,
    revisions: Vec<RevisionView>,
}

#[derive(Deserialize, Default)]
pub struct DeskQuery {
    #[serde(default)]
    q: String,
    notice: Option<String>,
}

fn key_of(raw: &str) -> Result<FrontKey, AppError> {
    FrontKey::parse(raw).ok_or_else(|| AppError::not_found("there is no such front"))
}

fn notice_text(code: &str) -> Option<&'static str> {
    match code {
        "changed" => Some("Draft changed. Readers see it once you publish it."),
        "published" => Some("Published: readers see this layout now."),
        "scheduled" => Some("Scheduled: the layout takes over at the time shown."),
        "discarded" => Some("Draft discarded."),
        "restored" => Some("Restored: readers see that layout again."),
        "cancelled" => Some("The scheduled layout was cancelled."),
        _ => None,
    }
}

pub async fn desk(
    State(state): State<AppState>,
    TimeZone(tz): TimeZone,
    Path(front): Path<String>,
    Query(q): Query<DeskQuery>,
    Can { me, .. }: Can<ArrangeFronts>,
) -> PageResult<Response> {
    let key = key_of(&front)?;
    let notice = q.notice.as_deref().and_then(notice_text);
    show(&state, tz, &me, key, &q.q, notice, &[]).await
}

/// The desk for one front, with `errors` from a change that could not be made.
async fn show(
    state: &AppState,
    tz: Tz,
    me: &CurrentUser,
    key: FrontKey,
    q: &str,
    notice: Option<&str>,
    errors: &[FieldError],
) -> PageResult<Response> {
    let db = &state.db;
    let now = state.clock.now();
    let sections = articles::sections(db).await?;
    let (name, url) = match key {
        FrontKey::Home => ("Home page".to_string(), "/".to_string()),
        FrontKey::Section(id) => {
            let s = sections
                .iter()
                .find(|s| s.id == id)
                .ok_or_else(|| AppError::not_found("there is no such section"))?;
            (format!("{} front", s.name), format!("/{}", s.slug))
        }
    };
    let desk = fronts::desk(db, now, key).await?;
    let layout = &desk.layout;
    let live = crate::fronts::assemble::live_stories(db, now, layout).await?;
    let story = |id: &i64| match live.get(id) {
        Some(c) => story_view(c, tz),
        None => StoryView {
            id: *id,
            headline: format!("Story {id}"),
            section: String::new(),
            date: "not published: readers do not see it".into(),
            live: false,
        },
    };
    let tags = articles::tags(db).await?;
    let section_name = |id: i64| {
        sections
            .iter()
            .find(|s| s.id == id)
            .map_or("a deleted section".to_string(), |s| s.name.clone())
    };
    let tag_name = |id: i64| {
        tags.iter()
            .find(|t| t.id == id)
            .map_or("a deleted tag".to_string(), |t| t.name.clone())
    };
    let blocks = layout
        .blocks
        .iter()
        .enumerate()
        .map(|(index, b)| BlockDeskView {
            index,
            title: b.title.clone(),
            count: b.count,
            kind: b.source.kind(),
            describes: match &b.source {
                Source::Latest => "The newest stories, as a list".into(),
                Source::MostCommented => "The week's most commented stories, as a list".into(),
                Source::Section { id } => format!("The newest in {}", section_name(*id)),
                Source::Tag { id } => format!("The newest tagged {}", tag_name(*id)),
                Source::Picked { .. } => "Stories you choose, in your order".into(),
            },
            stories: match &b.source {
                Source::Picked { stories } => stories.iter().map(story).collect(),
                _ => Vec::new(),
            },
        })
        .collect::<Vec<_>>();
    let mut slots = vec![
        Choice {
            value: "lead".into(),
            label: "Lead story".into(),
        },
        Choice {
            value: "secondary".into(),
            label: "Beside the lead".into(),
        },
    ];
    slots.extend(
        blocks
            .iter()
            .filter(|b| b.kind == "picked")
            .map(|b| Choice {
                value: format!("block-{}", b.index),
                label: format!("Block: {}", b.title),
            }),
    );
    let found = articles::find_published(db, now, q, FOUND)
        .await?
        .iter()
        .map(|c| story_view(c, tz))
        .collect();
    let people = accounts::users(db).await?;
    let name_of = |uid: Option<i64>| {
        uid.and_then(|u| people.iter().find(|p| p.id == u))
            .map_or("someone no longer here".to_string(), |p| p.name.clone())
    };
    let revisions = fronts::revisions(db, key).await?;
    let in_force_id = revisions.iter().find(|r| r.starts_at <= now).map(|r| r.id);
    let revisions = revisions
        .iter()
        .map(|r| RevisionView {
            id: r.id,
            starts: dates::show(r.starts_at, tz).human,
            saved: dates::show(r.created_at, tz).human,
            by: name_of(r.created_by),
            state: if r.starts_at > now {
                "scheduled"
            } else if Some(r.id) == in_force_id {
                "in force"
            } else {
                "earlier"
            },
            summary: summary(r, &live),
        })
        .collect();
    let view = DeskView {
        key: key.as_string(),
        name: name.clone(),
        url,
        is_home: key == FrontKey::Home,
        is_draft: desk.is_draft,
        draft_by: name_of(desk.updated_by),
        draft_at: desk
            .updated_at
            .map(|t| dates::show(t, tz).human)
            .unwrap_or_default(),
        seen: desk.version.map(|v| v.to_string()).unwrap_or_default(),
        lead: layout.lead.as_ref().map(story),
        secondary: layout.secondary.iter().map(story).collect(),
        blocks,
        q: q.to_string(),
        found,
        slots,
        sections: sections
            .iter()
            .map(|s| Choice {
                value: s.id.to_string(),
                label: s.name.clone(),
            })
            .collect(),
        tags: tags
            .iter()
            .map(|t| Choice {
                value: t.id.to_string(),
                label: t.name.clone(),
            })
            .collect(),
        max_per_block: MAX_PER_BLOCK,
        schedule_at: local_time::input(None, tz),
        revisions,
    };
    let mut screen = Screen::new("admin/front.html", &name, "fronts").with_errors(errors);
    screen.notice = notice;
    render::page(state, Some(me), screen, &view).await
}

fn story_view(c: &Card, tz: Tz) -> StoryView {
    StoryView {
        id: c.id,
        headline: c.headline.clone(),
        section: c.section_name.clone(),
        date: c
            .published_at
            .map(|t| dates::show(t, tz).short)
            .unwrap_or_default(),
        live: true,
    }
}

/// A revision in a line: its lead (when the desk knows its headline) and what else it holds.
fn summary(r: &Revision, live: &HashMap<i64, Card>) -> String {
    let layout = &r.layout;
    if layout.is_empty() {
        return "Automatic".into();
    }
    let lead = match layout.lead {
        Some(id) => live.get(&id).map_or(format!("lead: story {id}"), |c| {
            format!("lead: {}", c.headline)
        }),
        None => "automatic lead".into(),
    };
    format!(
        "{lead}; {} beside it; {} blocks",
        layout.secondary.len(),
        layout.blocks.len()
    )
}

/// Where a change came back to: the desk, with the search it was made from.
fn back(key: FrontKey, notice: &str, q: &str) -> Response {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("notice", notice);
    if !q.is_empty() {
        query.append_pair("q", q);
    }
    let url = format!("/admin/fronts/{}?{}", key.as_string(), query.finish());
    Redirect::to(&url).into_response()
}

/// One change to the draft, named by the button pressed (`op`).
pub async fn change(
    State(state): State<AppState>,
    TimeZone(tz): TimeZone,
    Path(front): Path<String>,
    SignedForm { me, form, .. }: SignedForm<ArrangeFronts>,
) -> PageResult<Response> {
    let key = key_of(&front)?;
    let q = form.get("q").to_string();
    let seen = match form.get("seen") {
        "" => None,
        v => Some(v.parse().map_err(|_| {
            AppError::BadRequest("the form's draft version is not a number".into())
        })?),
    };
    let done = match edit_from(&form) {
        Ok(edit) => fronts::edit(&state.db, &state.clock, key, me.user.id, seen, edit).await,
        Err(e) => Err(e),
    };
    match done {
        Ok(()) => Ok(back(key, "changed", &q)),
        Err(e) => refused(&state, tz, &me, key, &q, e).await,
    }
}

/// The desk again with the reason a change was refused, for a mistake an editor can mend;
/// anything else is an error page.
async fn refused(
    state: &AppState,
    tz: Tz,
    me: &CurrentUser,
    key: FrontKey,
    q: &str,
    e: AppError,
) -> PageResult<Response> {
    match e {
        AppError::BadRequest(message) | AppError::Conflict { message, .. } => {
            let errors = [FieldError {
                field: "layout".into(),
                message,
            }];
            show(state, tz, me, key, q, None, &errors).await
        }
        other => Err(other.into()),
    }
}

fn number(value: &str, what: &str) -> Result<usize, AppError> {
    value
        .parse()
        .map_err(|_| AppError::BadRequest(format!("{what} is not a number")))
}

fn list_of(name: &str) -> Result<List, AppError> {
    Ok(match name {
        "lead" => List::Lead,
        "secondary" => List::Secondary,
        "blocks" => List::Blocks,
        other => match other.strip_prefix("picks-") {
            Some(i) => List::Picks(number(i, "the block")?),
            None => return Err(AppError::BadRequest(format!("unknown list {other:?}"))),
        },
    })
}

/// The edit a button asks for: `place`, `add-block`, `retitle-N`, or `up|down|remove:LIST:N`.
fn edit_from(form: &FormFields) -> Result<Edit, AppError> {
    let op = form.get("op");
    if op == "place" {
        let story = form
            .get("story")
            .parse()
            .map_err(|_| AppError::BadRequest("choose a story to place".into()))?;
        let slot = match form.get("slot") {
            "lead" => Slot::Lead,
            "secondary" => Slot::Secondary,
            other => match other.strip_prefix("block-") {
                Some(i) => Slot::Block(number(i, "the block")?),
                None => return Err(AppError::BadRequest("choose where to place it".into())),
            },
        };
        return Ok(Edit::Place { story, slot });
    }
    if op == "add-block" {
        return Ok(Edit::AddBlock(new_block(form)?));
    }
    if let Some(i) = op.strip_prefix("retitle-") {
        let index = number(i, "the block")?;
        let count = form
            .get(&format!("count-{index}"))
            .parse()
            .map_err(|_| AppError::BadRequest("give the number of stories".into()))?;
        return Ok(Edit::Retitle {
            index,
            title: form.get(&format!("title-{index}")).into(),
            count,
        });
    }
    let mut parts = op.splitn(3, ':');
    let (verb, list, index) = (parts.next(), parts.next(), parts.next());
    let (Some(verb), Some(list), Some(index)) = (verb, list, index) else {
        return Err(AppError::BadRequest(format!("unknown change {op:?}")));
    };
    let list = list_of(list)?;
    let index = number(index, "the position")?;
    Ok(match verb {
        "up" => Edit::MoveUp { list, index },
        "down" => Edit::MoveDown { list, index },
        "remove" => Edit::Remove { list, index },
        _ => return Err(AppError::BadRequest(format!("unknown change {op:?}"))),
    })
}

/// A new block from the "add a block" form, as asked; the service checks it and names it when
/// the title is left empty.
fn new_block(form: &FormFields) -> Result<Block, AppError> {
    let id = |field: &str, what: &str| {
        form.get(field)
            .parse::<i64>()
            .map_err(|_| AppError::BadRequest(format!("choose the block's {what}")))
    };
    let source = match form.get("kind") {
        "latest" => Source::Latest,
        "most_commented" => Source::MostCommented,
        "picked" => Source::Picked {
            stories: Vec::new(),
        },
        "section" => Source::Section {
            id: id("section", "section")?,
        },
        "tag" => Source::Tag {
            id: id("tag", "tag")?,
        },
        _ => return Err(AppError::BadRequest("choose what the block shows".into())),
    };
    let count = match form.get("count") {
        "" => 4,
        n => n
            .parse()
            .map_err(|_| AppError::BadRequest("give the number of stories".into()))?,
    };
    Ok(Block {
        title: form.get("title").to_string(),
        count,
        source,
    })
}

/// Publishes the draft now, or schedules it for the time given.
pub async fn publish(
    State(state): State<AppState>,
    TimeZone(tz): TimeZone,
    Path(front): Path<String>,
    SignedForm { me, form, .. }: SignedForm<ArrangeFronts>,
) -> PageResult<Response> {
    let key = key_of(&front)?;
    let at = match form.get("when") {
        "later" => match local_time::parse(form.get("starts_at"), tz, "starts_at") {
            Ok(Some(at)) => Some(at),
            Ok(None) => {
                let missing = [FieldError {
                    field: "starts_at".into(),
                    message: "choose when the layout takes over".into(),
                }];
                return show(&state, tz, &me, key, "", None, &missing).await;
            }
            Err(e) => return show(&state, tz, &me, key, "", None, &[e]).await,
        },
        _ => None,
    };
    let scheduled = at.is_some_and(|t| t > state.clock.now());
    let done = fronts::publish(&state.db, &state.clock, key, me.user.id, at).await;
    let notice = if scheduled { "scheduled" } else { "published" };
    answer(&state, tz, &me, key, done, notice).await
}

pub async fn discard(
    State(state): State<AppState>,
    TimeZone(tz): TimeZone,
    Path(front): Path<String>,
    SignedForm { me, .. }: SignedForm<ArrangeFronts>,
) -> PageResult<Response> {
    let key = key_of(&front)?;
    let done = fronts::discard(&state.db, key).await;
    answer(&state, tz, &me, key, done, "discarded").await
}

pub async fn restore(
    State(state): State<AppState>,
    TimeZone(tz): TimeZone,
    Path((front, id)): Path<(String, i64)>,
    SignedForm { me, .. }: SignedForm<ArrangeFronts>,
) -> PageResult<Response> {
    let key = key_of(&front)?;
    let done = fronts::restore(&state.db, &state.clock, key, me.user.id, id).await;
    answer(&state, tz, &me, key, done, "restored").await
}

pub async fn cancel(
    State(state): State<AppState>,
    TimeZone(tz): TimeZone,
    Path((front, id)): Path<(String, i64)>,
    SignedForm { me, .. }: SignedForm<ArrangeFronts>,
) -> PageResult<Response> {
    let key = key_of(&front)?;
    let done = fronts::cancel(&state.db, &state.clock, key, id).await;
    answer(&state, tz, &me, key, done, "cancelled").await
}

/// Back to the desk with `notice` when the action was done, or with the reason it was not.
async fn answer(
    state: &AppState,
    tz: Tz,
    me: &CurrentUser,
    key: FrontKey,
    done: Result<(), AppError>,
    notice: &str,
) -> PageResult<Response> {
    match done {
        Ok(()) => Ok(back(key, notice, "")),
        Err(e) => refused(state, tz, me, key, "", e).await,
    }
}

/// The draft as readers would see it, for the desk's preview frame.
pub async fn preview(
    State(state): State<AppState>,
    Path(front): Path<String>,
    Can { .. }: Can<ArrangeFronts>,
) -> PageResult<Response> {
    let key = key_of(&front)?;
    let desk = fronts::desk(&state.db, state.clock.now(), key).await?;
    let layout: Layout = desk.layout;
    let mut response = crate::articles::front_preview(&state, key, &layout).await?;
    security::framable_by_site(&mut response);
    Ok(response)
}
