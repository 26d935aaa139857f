//! Pages and the menus, for editors and administrators: the list, the editor (the articles' rich
//! editor, live preview and workflow buttons), revisions with restore, and the header and
//! footer menus.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::local_time;
use super::render::{self, Screen};
use crate::accounts::can::ManagePages;
use crate::articles::workflow::Transition;
use crate::db::Timestamp;
use crate::error::{AppError, FieldError, PageResult};
use crate::pages::service::{self as pages, Page, PageInput};
use crate::site::layout;
use crate::site::menus::{self, Menu};
use crate::state::AppState;
use crate::web::form::FormFields;
use crate::web::session::{Can, CurrentUser, SignedForm};

#[derive(Serialize)]
struct Row {
    id: i64,
    title: String,
    path: String,
    status: String,
    nested: bool,
}

#[derive(Serialize)]
struct ListView {
    pages: Vec<Row>,
    header: String,
    footer: String,
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    #[serde(default)]
    notice: Option<String>,
}

fn notice_text(key: Option<&str>) -> Option<&'static str> {
    Some(match key? {
        "saved" => "Saved.",
        "published" => "Published.",
        "scheduled" => "Scheduled.",
        "unpublished" => "Unpublished: readers no longer see it.",
        "submitted" => "Saved and marked for review.",
        "archived" => "Archived.",
        "restored" => "The revision was restored as a new save.",
        "deleted" => "The page was deleted.",
        "menus" => "The menus were saved.",
        _ => return None,
    })
}

async fn list_page(
    state: &AppState,
    me: &CurrentUser,
    notice: Option<&str>,
    menus_text: Option<(String, String)>,
    errors: &[FieldError],
) -> PageResult<Response> {
    let rows = pages::all(&state.db)
        .await?
        .into_iter()
        .map(|p| Row {
            id: p.id,
            path: p.path(),
            status: p.status().as_str().to_string(),
            nested: p.parent_id.is_some(),
            title: p.title,
        })
        .collect();
    let (header, footer) = match menus_text {
        Some(texts) => texts,
        None => (
            menus::text(&menus::load(&state.db, Menu::Header).await?),
            menus::text(&menus::load(&state.db, Menu::Footer).await?),
        ),
    };
    let view = ListView {
        pages: rows,
        header,
        footer,
    };
    let screen = Screen {
        notice,
        ..Screen::new("admin/pages.html", "Pages and menus", "pages")
    }
    .with_errors(errors);
    render::page(state, Some(me), screen, &view).await
}

pub async fn list(
    State(state): State<AppState>,
    Can { me, .. }: Can<ManagePages>,
    Query(q): Query<NoticeQuery>,
) -> PageResult<Response> {
    list_page(&state, &me, notice_text(q.notice.as_deref()), None, &[]).await
}

pub async fn save_menus(
    State(state): State<AppState>,
    SignedForm { me, form, .. }: SignedForm<ManagePages>,
) -> PageResult<Response> {
    let texts = (
        form.get("header").to_string(),
        form.get("footer").to_string(),
    );
    for (menu, text) in [(Menu::Header, &texts.0), (Menu::Footer, &texts.1)] {
        match menus::save(&state.db, &me.user, menu, text).await {
            Ok(()) => {}
            Err(AppError::Invalid(errors)) => {
                return list_page(&state, &me, None, Some(texts.clone()), &errors).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Redirect::to("/admin/pages?notice=menus").into_response())
}

#[derive(Serialize)]
struct ParentOption {
    id: i64,
    title: String,
    selected: bool,
}

#[derive(Serialize)]
struct RevisionView {
    id: i64,
    when: String,
    by: String,
    title: String,
}

#[derive(Serialize)]
struct Action {
    value: &'static str,
    label: &'static str,
    secondary: bool,
}

#[derive(Serialize, Default)]
struct FormView {
    title: String,
    slug: String,
    body: String,
    seo_title: String,
    seo_description: String,
    publish_at: String,
}

#[derive(Serialize)]
struct EditorView {
    id: Option<i64>,
    action: String,
    status: String,
    public_url: Option<String>,
    version: i64,
    form: FormView,
    parents: Vec<ParentOption>,
    actions: Vec<Action>,
    revisions: Vec<RevisionView>,
}

fn actions(published: bool) -> Vec<Action> {
    let mut list = vec![
        Action {
            value: "save",
            label: "Save",
            secondary: published,
        },
        Action {
            value: "publish",
            label: if published { "Update" } else { "Publish" },
            secondary: !published,
        },
        Action {
            value: "schedule",
            label: "Schedule",
            secondary: true,
        },
    ];
    if published {
        list.push(Action {
            value: "unpublish",
            label: "Unpublish",
            secondary: true,
        });
    }
    list
}

/// The editor for `page` (a new page when `None`), showing `form` and `errors`.
async fn editor(
    state: &AppState,
    me: &CurrentUser,
    page: Option<&Page>,
    form: FormView,
    errors: &[FieldError],
    status: StatusCode,
    notice: Option<&str>,
) -> PageResult<Response> {
    let tz = layout::layout(state).await?.site.tz;
    let now = state.clock.now();
    let selected = page.and_then(|p| p.parent_id);
    let parents = pages::all(&state.db)
        .await?
        .into_iter()
        .filter(|p| p.parent_id.is_none() && Some(p.id) != page.map(|p| p.id))
        .map(|p| ParentOption {
            selected: Some(p.id) == selected,
            id: p.id,
            title: p.title,
        })
        .collect();
    let revisions = match page {
        Some(p) => pages::revisions(&state.db, p.id)
            .await?
            .into_iter()
            .map(|r| RevisionView {
                id: r.id,
                when: local_time::input(Some(r.created_at), tz).replace('T', " "),
                by: r.author.unwrap_or_else(|| "the importer".into()),
                title: r.title,
            })
            .collect(),
        None => Vec::new(),
    };
    let view = EditorView {
        id: page.map(|p| p.id),
        action: page.map_or("/admin/pages".into(), |p| format!("/admin/pages/{}", p.id)),
        status: page.map_or("draft".into(), |p| p.status().as_str().to_string()),
        public_url: page.filter(|p| p.is_public(now)).map(Page::path),
        version: page.map_or(0, |p| p.updated_at.micros()),
        form,
        parents,
        actions: actions(page.is_some_and(|p| p.is_public(now))),
        revisions,
    };
    let title = if page.is_some() {
        "Edit page"
    } else {
        "New page"
    };
    let screen = Screen {
        notice,
        status,
        errors,
        ..Screen::new("admin/page.html", title, "pages")
    };
    render::page(state, Some(me), screen, &view).await
}

fn form_of(page: &Page, tz: chrono_tz::Tz) -> FormView {
    FormView {
        title: page.title.clone(),
        slug: page.slug.clone(),
        body: page.body.clone(),
        seo_title: page.seo_title.clone(),
        seo_description: page.seo_description.clone(),
        publish_at: local_time::input(page.published_at, tz),
    }
}

pub async fn new_form(
    State(state): State<AppState>,
    Can { me, .. }: Can<ManagePages>,
) -> PageResult<Response> {
    editor(
        &state,
        &me,
        None,
        FormView::default(),
        &[],
        StatusCode::OK,
        None,
    )
    .await
}

pub async fn edit_form(
    State(state): State<AppState>,
    Can { me, .. }: Can<ManagePages>,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> PageResult<Response> {
    let page = pages::page(&state.db, id).await?;
    let tz = layout::layout(&state).await?.site.tz;
    let notice = notice_text(q.notice.as_deref());
    editor(
        &state,
        &me,
        Some(&page),
        form_of(&page, tz),
        &[],
        StatusCode::OK,
        notice,
    )
    .await
}

pub async fn create(
    State(state): State<AppState>,
    SignedForm { me, form, .. }: SignedForm<ManagePages>,
) -> PageResult<Response> {
    submit(&state, &me, None, &form).await
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    SignedForm { me, form, .. }: SignedForm<ManagePages>,
) -> PageResult<Response> {
    let page = pages::page(&state.db, id).await?;
    if form.get("action") == "delete" {
        pages::delete(&state.db, &me.user, id).await?;
        return Ok(Redirect::to("/admin/pages?notice=deleted").into_response());
    }
    submit(&state, &me, Some(&page), &form).await
}

async fn submit(
    state: &AppState,
    me: &CurrentUser,
    page: Option<&Page>,
    form: &FormFields,
) -> PageResult<Response> {
    let tz = layout::layout(state).await?.site.tz;
    let Some(transition) = Transition::parse(form.get("action")) else {
        return Err(
            AppError::BadRequest(format!("unknown action {:?}", form.get("action"))).into(),
        );
    };
    let submitted = FormView {
        title: form.get("title").into(),
        slug: form.get("slug").trim().into(),
        body: form.get("body").into(),
        seo_title: form.get("seo_title").into(),
        seo_description: form.get("seo_description").into(),
        publish_at: form.get("publish_at").into(),
    };
    let published_at = match local_time::parse(&submitted.publish_at, tz, "publish_at") {
        Ok(at) => at,
        Err(error) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return editor(state, me, page, submitted, &[error], status, None).await;
        }
    };
    let input = PageInput {
        parent_id: form.get("parent_id").parse().ok(),
        slug: submitted.slug.clone(),
        title: submitted.title.clone(),
        body: submitted.body.clone(),
        seo_title: submitted.seo_title.clone(),
        seo_description: submitted.seo_description.clone(),
        published_at,
    };
    let expected = form
        .get("version")
        .parse()
        .ok()
        .filter(|v| *v != 0)
        .map(Timestamp::from_micros);
    let saved = pages::save(
        &state.db,
        &state.clock,
        &me.user,
        page.map(|p| p.id),
        input,
        transition,
        expected,
    )
    .await;
    match saved {
        Ok(id) => {
            let notice = transition.done();
            Ok(Redirect::to(&format!("/admin/pages/{id}?notice={notice}")).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            editor(state, me, page, submitted, &errors, status, None).await
        }
        Err(e @ AppError::Conflict { .. }) => {
            let status = e.status();
            let errors = [FieldError {
                field: "page".into(),
                message: e.to_string(),
            }];
            editor(state, me, page, submitted, &errors, status, None).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn restore(
    State(state): State<AppState>,
    Path((id, revision)): Path<(i64, i64)>,
    SignedForm { me, .. }: SignedForm<ManagePages>,
) -> PageResult<Response> {
    pages::restore(&state.db, &state.clock, &me.user, id, revision).await?;
    Ok(Redirect::to(&format!("/admin/pages/{id}?notice=restored")).into_response())
}
