//! Newsletters for editors: the list with each one's readers, and the form that creates or
//! changes one (sender, cadence and send time, the sections and tags it draws from).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;

use super::render::{self, Screen};
use crate::accounts::can::ManageNewsletters;
use crate::articles::service as articles;
use crate::error::{AppError, FieldError, PageResult};
use crate::newsletters::service::{self as newsletters, CADENCES, NewsletterInput};
use crate::newsletters::views::NewsletterView;
use crate::state::AppState;
use crate::web::form::FormFields;
use crate::web::session::{Can, CurrentUser, SignedForm};

#[derive(Serialize)]
struct Row {
    newsletter: NewsletterView,
    pending: i64,
    active: i64,
    unsubscribed: i64,
}

pub async fn list(
    State(state): State<AppState>,
    Can { me, .. }: Can<ManageNewsletters>,
) -> PageResult<Response> {
    let audience = newsletters::audience(&state.db).await?;
    let rows: Vec<Row> = newsletters::all(&state.db)
        .await?
        .into_iter()
        .map(|n| {
            let (_, pending, active, unsubscribed) = audience
                .iter()
                .find(|a| a.0 == n.id)
                .copied()
                .unwrap_or((n.id, 0, 0, 0));
            Row {
                newsletter: NewsletterView::from(&n),
                pending,
                active,
                unsubscribed,
            }
        })
        .collect();
    let screen = Screen::new("admin/newsletters.html", "Newsletters", "newsletters");
    render::page(&state, Some(&me), screen, &rows).await
}

#[derive(Serialize)]
struct Pick {
    id: i64,
    name: String,
    checked: bool,
}

#[derive(Serialize)]
struct FormView {
    id: Option<i64>,
    name: String,
    slug: String,
    description: String,
    sender_name: String,
    sender_email: String,
    reply_to: String,
    cadence: String,
    cadences: [&'static str; 4],
    send_time: String,
    send_weekday: i64,
    active: bool,
    position: i64,
    sections: Vec<Pick>,
    tags: Vec<Pick>,
}

async fn show(
    state: &AppState,
    me: &CurrentUser,
    id: Option<i64>,
    input: NewsletterInput,
    errors: &[FieldError],
) -> PageResult<Response> {
    let sections = articles::sections(&state.db)
        .await?
        .into_iter()
        .map(|s| Pick {
            checked: input.section_ids.contains(&s.id),
            id: s.id,
            name: s.name,
        })
        .collect();
    let tags = articles::tags(&state.db)
        .await?
        .into_iter()
        .map(|t| Pick {
            checked: input.tag_ids.contains(&t.id),
            id: t.id,
            name: t.name,
        })
        .collect();
    let view = FormView {
        id,
        name: input.name,
        slug: input.slug,
        description: input.description,
        sender_name: input.sender_name,
        sender_email: input.sender_email,
        reply_to: input.reply_to,
        cadence: input.cadence,
        cadences: CADENCES,
        send_time: input.send_time,
        send_weekday: input.send_weekday,
        active: input.active,
        position: input.position,
        sections,
        tags,
    };
    let title = if id.is_some() {
        "Edit newsletter"
    } else {
        "New newsletter"
    };
    let screen = Screen::new("admin/newsletter.html", title, "newsletters").with_errors(errors);
    render::page(state, Some(me), screen, &view).await
}

pub async fn new_form(
    State(state): State<AppState>,
    Can { me, .. }: Can<ManageNewsletters>,
) -> PageResult<Response> {
    let blank = NewsletterInput {
        cadence: "daily".into(),
        send_time: "07:00".into(),
        send_weekday: 1,
        active: true,
        ..NewsletterInput::default()
    };
    show(&state, &me, None, blank, &[]).await
}

pub async fn edit_form(
    State(state): State<AppState>,
    Can { me, .. }: Can<ManageNewsletters>,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let n = newsletters::get(&state.db, id).await?;
    let (section_ids, tag_ids) = newsletters::sources(&state.db, id).await?;
    let input = NewsletterInput {
        name: n.name,
        slug: n.slug,
        description: n.description,
        sender_name: n.sender_name,
        sender_email: n.sender_email,
        reply_to: n.reply_to,
        cadence: n.cadence,
        send_time: n.send_time,
        send_weekday: n.send_weekday,
        active: n.active,
        position: n.position,
        section_ids,
        tag_ids,
    };
    show(&state, &me, Some(id), input, &[]).await
}

fn read(form: &FormFields) -> NewsletterInput {
    let ids = |name: &str| {
        form.all(name)
            .into_iter()
            .filter_map(|v| v.parse().ok())
            .collect()
    };
    NewsletterInput {
        name: form.get("name").into(),
        slug: form.get("slug").into(),
        description: form.get("description").into(),
        sender_name: form.get("sender_name").into(),
        sender_email: form.get("sender_email").into(),
        reply_to: form.get("reply_to").into(),
        cadence: form.get("cadence").into(),
        send_time: form.get("send_time").into(),
        send_weekday: form.get("send_weekday").parse().unwrap_or(0),
        active: form.get("active") == "on",
        position: form.get("position").parse().unwrap_or(0),
        section_ids: ids("sections"),
        tag_ids: ids("tags"),
    }
}

async fn store(
    state: &AppState,
    me: &CurrentUser,
    id: Option<i64>,
    form: &FormFields,
) -> PageResult<Response> {
    let input = read(form);
    match newsletters::save(&state.db, &state.clock, id, input.clone()).await {
        Ok(_) => Ok(Redirect::to("/admin/newsletters").into_response()),
        Err(AppError::Invalid(errors)) => show(state, me, id, input, &errors).await,
        Err(AppError::Conflict { .. }) => {
            let errors = [FieldError {
                field: "slug".into(),
                message: "another newsletter has this slug".into(),
            }];
            show(state, me, id, input, &errors).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn create(
    State(state): State<AppState>,
    SignedForm { me, form, .. }: SignedForm<ManageNewsletters>,
) -> PageResult<Response> {
    store(&state, &me, None, &form).await
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    SignedForm { me, form, .. }: SignedForm<ManageNewsletters>,
) -> PageResult<Response> {
    store(&state, &me, Some(id), &form).await
}
