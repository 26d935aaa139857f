//! The article editor and its workflow: draft → submitted for review → scheduled or published →
//! archived, with preview links and autosave. Who may do what is decided from the capability
//! table (through `articles::permissions`) on every request.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::local_time;
use super::render::{self, Screen};
use crate::accounts::can::WriteOwnArticle;
use crate::articles::permissions;
use crate::articles::service::{self as articles, ArticleInput, Edit, Editable, Status};
use crate::articles::workflow::{self, Standing, Transition};
use crate::db::Db;
use crate::db::Timestamp;
use crate::error::{AppError, AppResult, FieldError, PageResult};
use crate::media::service as media;
use crate::site::layout::TimeZone;
use crate::site::{dates, layout};
use crate::state::AppState;
use crate::web::form::FormFields;
use crate::web::session::{Can, CurrentUser, SignedForm};

pub(super) const PER_PAGE: i64 = 30;

pub(super) fn status_label(status: Status) -> &'static str {
    match status {
        Status::Draft => "Draft",
        Status::Review => "Submitted for review",
        Status::Scheduled => "Scheduled",
        Status::Published => "Published",
        Status::Archived => "Archived",
    }
}

pub(super) const STATUSES: [Status; 5] = [
    Status::Draft,
    Status::Review,
    Status::Scheduled,
    Status::Published,
    Status::Archived,
];

pub(super) fn may_edit(me: &CurrentUser, article: &Editable) -> bool {
    permissions::may_edit(&me.user, article.created_by, article.status)
}

/// The article `id`, its times in the site's zone `tz`, if the signed-in person may edit it.
pub(super) async fn editable_by(
    db: &Db,
    tz: Tz,
    me: &CurrentUser,
    id: i64,
) -> Result<Editable, AppError> {
    let article = articles::editable(db, tz, id).await?;
    if may_edit(me, &article) {
        Ok(article)
    } else {
        Err(AppError::Forbidden("you may not edit this article".into()))
    }
}

pub(super) fn may_publish(me: &CurrentUser, created_by: Option<i64>) -> bool {
    permissions::may_publish(&me.user, created_by)
}

pub(super) fn id_param(value: Option<&str>) -> Option<i64> {
    value.filter(|v| !v.is_empty()).and_then(|v| v.parse().ok())
}

#[derive(Serialize)]
pub(super) struct Choice {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) selected: bool,
}

/// The editor's fields as text, exactly as typed, so a refused save loses nothing.
#[derive(Serialize, Default)]
struct FormView {
    headline: String,
    standfirst: String,
    body: String,
    slug: String,
    tags: String,
    lead_alt: String,
    lead_caption: String,
    lead_credit: String,
    newsletter_topic: String,
    comments_open: bool,
    seo_title: String,
    seo_description: String,
    publish_at: String,
    /// Pinned related articles, one per line: an id or a public address, then anything.
    related: String,
}

#[derive(Serialize)]
struct ActionButton {
    value: &'static str,
    label: &'static str,
    secondary: bool,
}

#[derive(Serialize)]
struct MediaChoice {
    id: i64,
    label: String,
    selected: bool,
}

#[derive(Serialize)]
struct EditorView {
    id: Option<i64>,
    preview_url: Option<String>,
    /// When the person has autosaved changes newer than the last save.
    autosaved_at: Option<String>,
    action: String,
    version: i64,
    status: &'static str,
    status_label: &'static str,
    public_url: Option<String>,
    form: FormView,
    sections: Vec<Choice>,
    authors: Vec<Choice>,
    media: Vec<MediaChoice>,
    tag_names: Vec<String>,
    actions: Vec<ActionButton>,
    preview_html: String,
}

/// The state of the editor, from stored data or from a submitted form.
struct Draft {
    id: Option<i64>,
    /// Whether the form shows autosaved changes rather than the stored article.
    restored: bool,
    version: Timestamp,
    status: Status,
    created_by: Option<i64>,
    public_path: Option<String>,
    section_id: Option<i64>,
    author_ids: Vec<i64>,
    lead_media_id: Option<i64>,
    form: FormView,
}

async fn editor_page(
    state: &AppState,
    me: &CurrentUser,
    draft: Draft,
    notice: Option<&str>,
    errors: &[FieldError],
    status_code: StatusCode,
) -> PageResult<Response> {
    let sections = articles::sections(&state.db).await?;
    let section_id = draft.section_id.or_else(|| sections.first().map(|s| s.id));
    let publishable = may_publish(me, draft.created_by.or(Some(me.user.id)));
    let mut actions = vec![ActionButton {
        value: "save",
        label: "Save",
        secondary: false,
    }];
    if publishable {
        actions.push(ActionButton {
            value: "publish",
            label: "Publish now",
            secondary: false,
        });
        actions.push(ActionButton {
            value: "schedule",
            label: "Schedule",
            secondary: true,
        });
    } else if draft.status != Status::Review {
        actions.push(ActionButton {
            value: "submit",
            label: "Submit for review",
            secondary: false,
        });
    }
    if publishable && draft.id.is_some() && draft.status != Status::Draft {
        actions.push(ActionButton {
            value: "unpublish",
            label: "Back to draft",
            secondary: true,
        });
    }
    if publishable && draft.id.is_some() && draft.status != Status::Archived {
        actions.push(ActionButton {
            value: "archive",
            label: "Archive",
            secondary: true,
        });
    }
    let site = layout::layout(state).await?;
    let (base_url, tz) = (site.site.base_url.clone(), site.site.tz);
    let preview_url = match draft.id {
        Some(id) if draft.status != Status::Published => {
            let key = crate::site::settings::signing_key(&state.db).await?;
            Some(articles::preview_path(&key, id, state.clock.now()))
        }
        _ => None,
    };
    let autosaved_at = match (draft.id, draft.restored) {
        (Some(id), false) => articles::newer_autosave(&state.db, id, me.user.id, draft.version)
            .await?
            .map(|(at, _)| dates::show(at, tz).human),
        _ => None,
    };
    let view = EditorView {
        id: draft.id,
        preview_url,
        autosaved_at,
        action: draft.id.map_or("/admin/articles".to_string(), |id| {
            format!("/admin/articles/{id}")
        }),
        version: draft.version.micros(),
        status: draft.status.as_str(),
        status_label: status_label(draft.status),
        public_url: draft
            .public_path
            .map(|p| format!("{}{p}", base_url.trim_end_matches('/'))),
        preview_html: articles::preview_html(&state.db, state.clock.now(), &draft.form.body)
            .await?,
        sections: sections
            .into_iter()
            .map(|s| Choice {
                selected: Some(s.id) == section_id,
                id: s.id.to_string(),
                name: if s.parent_id.is_some() {
                    format!("— {}", s.name)
                } else {
                    s.name
                },
            })
            .collect(),
        authors: articles::authors(&state.db)
            .await?
            .into_iter()
            .filter(|a| permissions::may_credit(&me.user, &[a.id], &draft.author_ids))
            .map(|a| Choice {
                selected: draft.author_ids.contains(&a.id),
                id: a.id.to_string(),
                name: a.name,
            })
            .collect(),
        media: media::library(&state.db, 200)
            .await?
            .into_iter()
            .map(|m| MediaChoice {
                selected: Some(m.id) == draft.lead_media_id,
                label: format!(
                    "{} ({}×{})",
                    if m.alt.is_empty() {
                        m.path.as_str()
                    } else {
                        m.alt.as_str()
                    },
                    m.width,
                    m.height
                ),
                id: m.id,
            })
            .collect(),
        tag_names: articles::tags(&state.db)
            .await?
            .into_iter()
            .map(|t| t.name)
            .collect(),
        form: draft.form,
        actions,
    };
    let title = if view.id.is_some() {
        "Edit article"
    } else {
        "New article"
    };
    let screen = Screen {
        notice,
        errors,
        status: status_code,
        ..Screen::new("admin/editor.html", title, "articles")
    };
    render::page(state, Some(me), screen, &view).await
}

pub async fn new_form(
    State(state): State<AppState>,
    Can { me, .. }: Can<WriteOwnArticle>,
) -> PageResult<Response> {
    let draft = Draft {
        id: None,
        restored: false,
        version: Timestamp::from_micros(0),
        status: Status::Draft,
        created_by: Some(me.user.id),
        public_path: None,
        section_id: None,
        author_ids: me.user.author_id.into_iter().collect(),
        lead_media_id: None,
        form: FormView {
            comments_open: true,
            ..FormView::default()
        },
    };
    editor_page(&state, &me, draft, None, &[], StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct EditQuery {
    notice: Option<String>,
    restore: Option<String>,
}

fn notice_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "saved" => "Saved.",
        "published" => "Published.",
        "scheduled" => "Scheduled: it will be published at the time given.",
        "submitted" => "Submitted for review.",
        "unpublished" => "Taken off the site; it is a draft again.",
        "archived" => "Archived: readers now get 410 Gone.",
        "restored" => "Revision restored.",
        _ => return None,
    })
}

pub async fn edit_form(
    State(state): State<AppState>,
    TimeZone(tz): TimeZone,
    me: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<EditQuery>,
) -> PageResult<Response> {
    let article = editable_by(&state.db, tz, &me, id).await?;
    let tag_names: Vec<String> = articles::tags(&state.db)
        .await?
        .into_iter()
        .filter(|t| article.input.tag_ids.contains(&t.id))
        .map(|t| t.name)
        .collect();
    let input = &article.input;
    let mut draft = Draft {
        id: Some(id),
        restored: false,
        version: article.version,
        status: article.status,
        created_by: article.created_by,
        public_path: article.public_path.clone(),
        section_id: Some(input.section_id),
        author_ids: input.author_ids.clone(),
        lead_media_id: input.lead_media_id,
        form: FormView {
            headline: input.headline.clone(),
            standfirst: input.standfirst.clone(),
            body: input.body.clone(),
            slug: input.slug.clone(),
            tags: tag_names.join(", "),
            lead_alt: input.lead_alt.clone(),
            lead_caption: input.lead_caption.clone(),
            lead_credit: input.lead_credit.clone(),
            newsletter_topic: input.newsletter_topic.clone().unwrap_or_default(),
            comments_open: input.comments_open,
            seo_title: input.seo_title.clone(),
            seo_description: input.seo_description.clone(),
            publish_at: local_time::input(input.published_at, tz),
            related: articles::pinned_lines(&state.db, &input.related_ids).await?,
        },
    };
    let mut notice = q.notice.as_deref().and_then(notice_text);
    if q.restore.as_deref() == Some("autosave") {
        let newer = articles::newer_autosave(&state.db, id, me.user.id, article.version).await?;
        if let Some((_, fields)) = newer {
            let submitted = read_form(&FormFields::from_pairs(fields)).await?;
            draft.form = submitted.view;
            draft.section_id = submitted.section_id.or(draft.section_id);
            draft.author_ids = submitted.author_ids;
            draft.lead_media_id = submitted.lead_media_id;
            draft.restored = true;
            notice = Some("Your autosaved changes are back in the form. Save to keep them.");
        }
    }
    editor_page(&state, &me, draft, notice, &[], StatusCode::OK).await
}

/// A submitted editor: the text fields as typed, and the choices made.
struct Submitted {
    view: FormView,
    section_id: Option<i64>,
    author_ids: Vec<i64>,
    lead_media_id: Option<i64>,
}

/// Reads the submitted editor into the draft it shows and the input it saves.
async fn read_form(form: &FormFields) -> AppResult<Submitted> {
    let view = FormView {
        headline: form.get("headline").into(),
        standfirst: form.get("standfirst").into(),
        body: submitted_body(form).await?,
        slug: form.get("slug").trim().into(),
        tags: form.get("tags").into(),
        lead_alt: form.get("lead_alt").into(),
        lead_caption: form.get("lead_caption").into(),
        lead_credit: form.get("lead_credit").into(),
        newsletter_topic: form.get("newsletter_topic").trim().into(),
        comments_open: form.get("comments_open") == "on",
        seo_title: form.get("seo_title").into(),
        seo_description: form.get("seo_description").into(),
        publish_at: form.get("publish_at").into(),
        related: form.get("related").into(),
    };
    let section_id = form.get("section_id").parse().ok();
    let author_ids = form
        .all("author_ids")
        .into_iter()
        .filter_map(|v| v.parse().ok())
        .collect();
    Ok(Submitted {
        view,
        section_id,
        author_ids,
        lead_media_id: id_param(Some(form.get("lead_media_id"))),
    })
}

/// The body a form sent, as HTML. The editor sends HTML and says so in `body_format`; a form
/// without it — an autosave kept before the document model, a script of a newsroom's own — sends
/// Markdown, which is converted.
async fn submitted_body(form: &FormFields) -> AppResult<String> {
    let text = form.get("body");
    if form.get("body_format") == "html" {
        Ok(text.to_string())
    } else {
        crate::articles::body::from_editor_markdown_on_pool(text).await
    }
}

pub async fn create(
    State(state): State<AppState>,
    TimeZone(tz): TimeZone,
    SignedForm { me, form, .. }: SignedForm<WriteOwnArticle>,
) -> PageResult<Response> {
    submit(&state, tz, &me, None, &form).await
}

pub async fn save(
    State(state): State<AppState>,
    TimeZone(tz): TimeZone,
    Path(id): Path<i64>,
    SignedForm { me, form, .. }: SignedForm,
) -> PageResult<Response> {
    let article = editable_by(&state.db, tz, &me, id).await?;
    submit(&state, tz, &me, Some(article), &form).await
}

/// Saves a new or existing article with the status the pressed button asks for.
async fn submit(
    state: &AppState,
    tz: Tz,
    me: &CurrentUser,
    existing: Option<Editable>,
    form: &FormFields,
) -> PageResult<Response> {
    let now = state.clock.now();
    let submitted = read_form(form).await?;
    let view = &submitted.view;
    let created_by = existing.as_ref().map_or(Some(me.user.id), |e| e.created_by);
    let current = existing.as_ref().map_or(Status::Draft, |e| e.status);
    let mut errors = Vec::new();
    let publish_at = local_time::parse(&view.publish_at, tz, "publish_at").unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let Some(transition) = Transition::parse(form.get("action")) else {
        return Err(
            AppError::BadRequest(format!("unknown action {:?}", form.get("action"))).into(),
        );
    };
    let standing = existing.as_ref().map(Standing::of);
    let (status, published_at) =
        match workflow::decide(&me.user, standing.as_ref(), transition, publish_at, now) {
            Ok(outcome) => (outcome.status, outcome.published_at),
            Err(AppError::Invalid(refusals)) => {
                errors.extend(refusals);
                (current, publish_at)
            }
            Err(other) => return Err(other.into()),
        };
    let notice = transition.done();
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let already = existing
        .as_ref()
        .map(|e| e.input.author_ids.clone())
        .unwrap_or_default();
    permissions::check_byline(&me.user, &submitted.author_ids, &already)?;
    if submitted.section_id.is_none() {
        errors.push(FieldError {
            field: "section_id".into(),
            message: "choose a section".into(),
        });
    }
    // Tags are made only for a save that has passed every other check.
    let mut tag_ids = Vec::new();
    if errors.is_empty() {
        let tag_names: Vec<String> = view.tags.split(',').map(str::to_string).collect();
        match articles::tags_for(&state.db, &me.user, &tag_names).await {
            Ok(ids) => tag_ids = ids,
            Err(AppError::Invalid(refused_tags)) => errors.extend(refused_tags),
            Err(other) => return Err(other.into()),
        }
    }
    let related_ids = match articles::pinned_from_lines(&state.db, &view.related).await {
        Ok(ids) => ids,
        Err(AppError::Invalid(refused)) => {
            errors.extend(refused);
            Vec::new()
        }
        Err(other) => return Err(other.into()),
    };
    let (Some(section_id), true) = (submitted.section_id, errors.is_empty()) else {
        return refused(
            state,
            me,
            existing,
            submitted,
            current,
            errors,
            unprocessable,
        )
        .await;
    };
    let input = ArticleInput {
        section_id,
        slug: view.slug.clone(),
        headline: view.headline.clone(),
        standfirst: view.standfirst.clone(),
        body: view.body.clone(),
        lead_media_id: submitted.lead_media_id,
        lead_alt: view.lead_alt.clone(),
        lead_caption: view.lead_caption.clone(),
        lead_credit: view.lead_credit.clone(),
        status,
        published_at,
        comments_open: view.comments_open,
        newsletter_topic: Some(view.newsletter_topic.clone()).filter(|t| !t.is_empty()),
        seo_title: view.seo_title.clone(),
        seo_description: view.seo_description.clone(),
        tag_ids,
        author_ids: submitted.author_ids.clone(),
        created_by,
        related_ids,
    };
    let result = match &existing {
        None => articles::create_article(&state.db, &state.clock, input).await,
        Some(article) => {
            let version = form.get("version").parse().ok().map(Timestamp::from_micros);
            let edit = Edit {
                by: Some(me.user.id),
                expected_version: version.or(Some(article.version)),
            };
            articles::update_article(&state.db, &state.clock, tz, article.id, input, edit)
                .await
                .map(|()| article.id)
        }
    };
    match result {
        Ok(id) => {
            articles::discard_autosave(&state.db, id, me.user.id).await?;
            Ok(Redirect::to(&format!("/admin/articles/{id}?notice={notice}")).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            refused(
                state,
                me,
                existing,
                submitted,
                current,
                errors,
                unprocessable,
            )
            .await
        }
        Err(e @ AppError::Conflict { .. }) => {
            let status = e.status();
            let errors = vec![FieldError {
                field: "article".into(),
                message: e.to_string(),
            }];
            refused(state, me, existing, submitted, current, errors, status).await
        }
        Err(other) => Err(other.into()),
    }
}

/// Shows the editor again with what was typed and why it was not saved, so nothing is lost.
async fn refused(
    state: &AppState,
    me: &CurrentUser,
    existing: Option<Editable>,
    submitted: Submitted,
    current: Status,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> PageResult<Response> {
    let draft = Draft {
        id: existing.as_ref().map(|e| e.id),
        restored: false,
        version: existing
            .as_ref()
            .map_or(Timestamp::from_micros(0), |e| e.version),
        status: current,
        created_by: existing.as_ref().map_or(Some(me.user.id), |e| e.created_by),
        public_path: existing.and_then(|e| e.public_path),
        section_id: submitted.section_id,
        author_ids: submitted.author_ids,
        lead_media_id: submitted.lead_media_id,
        form: submitted.view,
    };
    editor_page(state, me, draft, None, &errors, status).await
}

/// The live preview: the body rendered by the same code as the site.
pub async fn preview(
    State(state): State<AppState>,
    SignedForm { form, .. }: SignedForm,
) -> PageResult<Response> {
    let body = submitted_body(&form).await?;
    let html = articles::preview_html(&state.db, state.clock.now(), &body).await?;
    let mut response = html.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Keeps the editor's fields while someone types (the editor's script posts them every few
/// seconds); nothing is published and no revision is made.
pub async fn autosave(
    State(state): State<AppState>,
    TimeZone(tz): TimeZone,
    Path(id): Path<i64>,
    SignedForm { me, form, .. }: SignedForm,
) -> PageResult<Response> {
    editable_by(&state.db, tz, &me, id).await?;
    let fields: Vec<(String, String)> = form
        .pairs()
        .iter()
        .filter(|(k, _)| k != "_csrf")
        .cloned()
        .collect();
    articles::autosave(&state.db, &state.clock, id, me.user.id, &fields).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
