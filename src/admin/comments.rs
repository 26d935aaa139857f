//! Comment moderation: the queue with its counts and filters, single and bulk actions, the edit
//! and reply screen, the discussion settings, and the privacy tools. Editors moderate every
//! comment; authors the comments on their own articles (the comments service checks each one).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::editor::id_param;
use super::render::{self, Screen};
use crate::accounts::can::ModerateComments;
use crate::comments::QueueFilter;
use crate::comments::moderation::{self, Action, Queue, QueueItem};
use crate::comments::policy::{self, Policy};
use crate::comments::service::Input;
use crate::error::{AppError, FieldError, PageResult};
use crate::site::layout::TimeZone;
use crate::state::AppState;
use crate::web::form::FormFields;
use crate::web::session::{Can, CurrentUser, SignedForm};

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    status: Option<String>,
    article: Option<String>,
    email: Option<String>,
    ip: Option<String>,
    page: Option<String>,
    notice: Option<String>,
}

#[derive(Serialize)]
struct Tab {
    status: &'static str,
    label: &'static str,
    count: i64,
    current: bool,
    url: String,
}

#[derive(Serialize)]
struct QueueView {
    queue: Queue,
    tabs: Vec<Tab>,
    status: String,
    article: String,
    email: String,
    ip: String,
    /// The query string of this view, so actions return here.
    back: String,
    prev: Option<String>,
    next: Option<String>,
}

fn label(status: &str) -> &'static str {
    match status {
        "pending" => "Pending",
        "approved" => "Approved",
        "spam" => "Spam",
        _ => "Trash",
    }
}

fn notice_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "done" => "Done.",
        "saved" => "Comment saved.",
        "replied" => "Your reply is published.",
        "settings" => "Discussion settings saved.",
        "erased" => "Personal data erased.",
        _ => return None,
    })
}

fn query_string(status: &str, article: &str, email: &str, ip: &str, page: i64) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("status", status);
    for (k, v) in [("article", article), ("email", email), ("ip", ip)] {
        if !v.is_empty() {
            q.append_pair(k, v);
        }
    }
    if page > 1 {
        q.append_pair("page", &page.to_string());
    }
    q.finish()
}

pub async fn queue(
    State(state): State<AppState>,
    TimeZone(tz): TimeZone,
    me: CurrentUser,
    Query(q): Query<QueueQuery>,
) -> PageResult<Response> {
    let status = q
        .status
        .filter(|s| moderation::STATUSES.contains(&s.as_str()))
        .unwrap_or_else(|| "pending".into());
    let article = q.article.unwrap_or_default();
    let email = q.email.unwrap_or_default().trim().to_lowercase();
    let ip = q.ip.unwrap_or_default().trim().to_string();
    let page = id_param(q.page.as_deref()).unwrap_or(1).max(1);
    let filter = QueueFilter {
        status: status.clone(),
        article_id: id_param(Some(&article)),
        email: (!email.is_empty()).then(|| email.clone()),
        ip: (!ip.is_empty()).then(|| ip.clone()),
    };
    let queue =
        moderation::queue(&state.db, state.clock.now(), tz, &me.user, &filter, page).await?;
    let tabs = queue
        .counts
        .iter()
        .map(|(s, count)| {
            let s = moderation::STATUSES
                .iter()
                .find(|k| *k == s)
                .copied()
                .unwrap_or("pending");
            Tab {
                status: s,
                label: label(s),
                count: *count,
                current: s == status,
                url: format!(
                    "/admin/comments?{}",
                    query_string(s, &article, &email, &ip, 1)
                ),
            }
        })
        .collect();
    let link = |p: i64| {
        format!(
            "/admin/comments?{}",
            query_string(&status, &article, &email, &ip, p)
        )
    };
    let view = QueueView {
        prev: (queue.page > 1).then(|| link(queue.page - 1)),
        next: (queue.page < queue.total_pages).then(|| link(queue.page + 1)),
        back: query_string(&status, &article, &email, &ip, page),
        queue,
        tabs,
        status,
        article,
        email,
        ip,
    };
    let screen = Screen {
        notice: q.notice.as_deref().and_then(notice_text),
        ..Screen::new("admin/comments.html", "Comments", "comments")
    };
    render::page(&state, Some(&me), screen, &view).await
}

fn back_to(form: &FormFields, notice: &str) -> Response {
    let back = form.get("back");
    let safe = back
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"=&%._-+@:".contains(&b));
    let back = if safe { back } else { "" };
    Redirect::to(&format!("/admin/comments?{back}&notice={notice}")).into_response()
}

fn action(form: &FormFields) -> Result<Action, AppError> {
    Action::parse(form.get("action"))
        .ok_or_else(|| AppError::BadRequest("choose an action for the selected comments".into()))
}

pub async fn bulk(
    State(state): State<AppState>,
    TimeZone(tz): TimeZone,
    SignedForm { me, form, .. }: SignedForm,
) -> PageResult<Response> {
    let action = action(&form)?;
    let ids: Vec<i64> = form
        .all("ids")
        .into_iter()
        .filter_map(|v| v.parse().ok())
        .collect();
    if ids.is_empty() {
        return Err(AppError::BadRequest("select at least one comment".into()).into());
    }
    moderation::apply(&state.db, &state.clock, tz, &me.user, &ids, action).await?;
    Ok(back_to(&form, "done"))
}

pub async fn act(
    State(state): State<AppState>,
    TimeZone(tz): TimeZone,
    Path(id): Path<i64>,
    SignedForm { me, form, .. }: SignedForm,
) -> PageResult<Response> {
    let action = action(&form)?;
    moderation::apply(&state.db, &state.clock, tz, &me.user, &[id], action).await?;
    if form.get("back").is_empty() {
        return Ok(Redirect::to(&format!("/admin/comments/{id}?notice=done")).into_response());
    }
    Ok(back_to(&form, "done"))
}

#[derive(Serialize)]
struct CommentScreen {
    comment: QueueItem,
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    notice: Option<String>,
}

async fn show_one(
    state: &AppState,
    me: &CurrentUser,
    comment: QueueItem,
    errors: &[FieldError],
    notice: Option<&str>,
) -> PageResult<Response> {
    let screen = Screen {
        notice,
        ..Screen::new("admin/comment.html", "Edit comment", "comments")
    }
    .with_errors(errors);
    render::page(state, Some(me), screen, &CommentScreen { comment }).await
}

pub async fn edit_form(
    State(state): State<AppState>,
    TimeZone(tz): TimeZone,
    me: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> PageResult<Response> {
    let comment = moderation::one(&state.db, state.clock.now(), tz, &me.user, id).await?;
    show_one(
        &state,
        &me,
        comment,
        &[],
        q.notice.as_deref().and_then(notice_text),
    )
    .await
}

pub async fn save(
    State(state): State<AppState>,
    TimeZone(tz): TimeZone,
    Path(id): Path<i64>,
    SignedForm { me, form, .. }: SignedForm,
) -> PageResult<Response> {
    let fields = Input {
        name: form.get("author").into(),
        email: form.get("email").into(),
        url: form.get("url").into(),
        body: form.get("comment").into(),
        ..Input::default()
    };
    match moderation::edit(&state.db, &state.clock, tz, &me.user, id, fields).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/comments/{id}?notice=saved")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let mut comment =
                moderation::one(&state.db, state.clock.now(), tz, &me.user, id).await?;
            comment.author = form.get("author").into();
            comment.email = form.get("email").into();
            comment.url = form.get("url").into();
            comment.body = form.get("comment").into();
            show_one(&state, &me, comment, &errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn reply(
    State(state): State<AppState>,
    TimeZone(tz): TimeZone,
    Path(id): Path<i64>,
    SignedForm { me, form, .. }: SignedForm,
) -> PageResult<Response> {
    let reply =
        moderation::reply(&state.db, &state.clock, tz, &me.user, id, form.get("reply")).await?;
    Ok(Redirect::to(&format!("/admin/comments/{reply}?notice=replied")).into_response())
}

#[derive(Serialize)]
struct SettingsView {
    policy: Policy,
}

async fn show_settings(
    state: &AppState,
    me: &CurrentUser,
    policy: Policy,
    errors: &[FieldError],
    notice: Option<&str>,
) -> PageResult<Response> {
    let screen = Screen {
        notice,
        ..Screen::new("admin/discussion.html", "Discussion settings", "comments")
    }
    .with_errors(errors);
    render::page(state, Some(me), screen, &SettingsView { policy }).await
}

pub async fn settings(
    State(state): State<AppState>,
    Can { me, .. }: Can<ModerateComments>,
    Query(q): Query<NoticeQuery>,
) -> PageResult<Response> {
    let policy = policy::load(&state.db).await?;
    show_settings(
        &state,
        &me,
        policy,
        &[],
        q.notice.as_deref().and_then(notice_text),
    )
    .await
}

pub async fn save_settings(
    State(state): State<AppState>,
    SignedForm { me, form, .. }: SignedForm<ModerateComments>,
) -> PageResult<Response> {
    let submitted = policy::from_form(|name| form.get(name).to_string());
    match policy::save(&state.db, &submitted).await {
        Ok(()) => Ok(Redirect::to("/admin/comments/settings?notice=settings").into_response()),
        Err(AppError::Invalid(errors)) => {
            show_settings(&state, &me, submitted, &errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Serialize)]
struct PrivacyView {
    email: String,
    erased: Option<u64>,
}

pub async fn privacy(
    State(state): State<AppState>,
    Can { me, .. }: Can<ModerateComments>,
) -> PageResult<Response> {
    let view = PrivacyView {
        email: String::new(),
        erased: None,
    };
    let screen = Screen::new("admin/privacy.html", "Personal data", "comments");
    render::page(&state, Some(&me), screen, &view).await
}

/// Everything stored for an address, as a JSON download.
pub async fn export(
    State(state): State<AppState>,
    SignedForm { me, form, .. }: SignedForm,
) -> PageResult<Response> {
    let export = moderation::export(&state.db, &me.user, form.get("email")).await?;
    let body = serde_json::to_string_pretty(&export).map_err(anyhow::Error::from)?;
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"personal-data.json\""),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

pub async fn erase(
    State(state): State<AppState>,
    SignedForm { me, form, .. }: SignedForm,
) -> PageResult<Response> {
    let email = form.get("email").trim().to_lowercase();
    let erased = moderation::erase(&state.db, &state.clock, &me.user, &email).await?;
    let view = PrivacyView {
        email,
        erased: Some(erased),
    };
    let screen = Screen {
        notice: notice_text("erased"),
        ..Screen::new("admin/privacy.html", "Personal data", "comments")
    };
    render::page(&state, Some(&me), screen, &view).await
}
