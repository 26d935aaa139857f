//! Newsletter issues for editors: each newsletter's issues with their figures, and one issue's
//! screen — its subject and intro, a preview of the mail, a test sent to the editor, and the
//! choice to schedule it, send it now or take it back to draft.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::local_time;
use super::render::{self, Screen};
use crate::accounts::can::ManageNewsletters;
use crate::error::{AppError, FieldError, PageResult};
use crate::newsletters::issues::{self, Figures, Issue};
use crate::newsletters::service as newsletters;
use crate::newsletters::views::{IssueView, NewsletterView};
use crate::site::layout::TimeZone;
use crate::site::{dates, settings};
use crate::state::AppState;
use crate::web::session::{Can, CurrentUser, SignedForm};

#[derive(Serialize)]
struct IssueLine {
    issue: IssueView,
    when: String,
    figures: Figures,
}

#[derive(Serialize)]
struct ListView {
    newsletter: NewsletterView,
    issues: Vec<IssueLine>,
}

fn shown(issue: &Issue, tz: chrono_tz::Tz) -> String {
    let at = issue
        .finished_at
        .or(issue.started_at)
        .or(issue.send_at)
        .unwrap_or(issue.created_at);
    dates::show(at, tz).human
}

pub async fn list(
    State(state): State<AppState>,
    TimeZone(tz): TimeZone,
    Can { me, .. }: Can<ManageNewsletters>,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let newsletter = newsletters::get(&state.db, id).await?;
    let mut rows = Vec::new();
    for issue in issues::list(&state.db, id).await? {
        rows.push(IssueLine {
            figures: issues::figures(&state.db, issue.id).await?,
            when: shown(&issue, tz),
            issue: IssueView::from(&issue),
        });
    }
    let view = ListView {
        newsletter: NewsletterView::from(&newsletter),
        issues: rows,
    };
    let screen = Screen::new("admin/newsletter_issues.html", "Issues", "newsletters");
    render::page(&state, Some(&me), screen, &view).await
}

pub async fn create(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    SignedForm { me, .. }: SignedForm<ManageNewsletters>,
) -> PageResult<Response> {
    let issue = issues::create_draft(&state.db, &state.clock, id, Some(me.user.id)).await?;
    Ok(Redirect::to(&format!("/admin/issues/{issue}")).into_response())
}

#[derive(Serialize)]
struct IssueScreen {
    issue: IssueView,
    newsletter: NewsletterView,
    figures: Figures,
    editable: bool,
    send_at: String,
    stories: usize,
    me: String,
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    notice: Option<String>,
}

fn notice_text(code: &str) -> Option<&'static str> {
    match code {
        "saved" => Some("Saved."),
        "tested" => Some("A test copy is on its way to your address."),
        "scheduled" => Some("Scheduled: the issue goes out at the time shown."),
        "sending" => Some("Sending: the figures below fill in as the mail goes out."),
        "draft" => Some("Back to draft: nothing will be sent until you schedule it again."),
        _ => None,
    }
}

async fn screen(
    state: &AppState,
    me: &CurrentUser,
    id: i64,
    notice: Option<&str>,
    errors: &[FieldError],
) -> PageResult<Response> {
    let issue = issues::get(&state.db, id).await?;
    let newsletter = newsletters::get(&state.db, issue.newsletter_id).await?;
    let tz = settings::load(&state.db).await?.tz;
    let view = IssueScreen {
        figures: issues::figures(&state.db, id).await?,
        editable: matches!(issue.status.as_str(), "draft" | "scheduled"),
        send_at: local_time::input(issue.send_at.or(Some(state.clock.now())), tz),
        stories: issues::story_count(&state.db, &state.clock, id).await?,
        me: me.user.email.clone(),
        issue: IssueView::from(&issue),
        newsletter: NewsletterView::from(&newsletter),
    };
    let mut screen =
        Screen::new("admin/newsletter_issue.html", "Issue", "newsletters").with_errors(errors);
    screen.notice = notice;
    render::page(state, Some(me), screen, &view).await
}

pub async fn show(
    State(state): State<AppState>,
    Can { me, .. }: Can<ManageNewsletters>,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> PageResult<Response> {
    let notice = q.notice.as_deref().and_then(notice_text);
    screen(&state, &me, id, notice, &[]).await
}

fn back(id: i64, notice: &str) -> Response {
    Redirect::to(&format!("/admin/issues/{id}?notice={notice}")).into_response()
}

/// Saves the subject and intro.
pub async fn save(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    SignedForm { me, form, .. }: SignedForm<ManageNewsletters>,
) -> PageResult<Response> {
    match issues::edit(
        &state.db,
        &state.clock,
        id,
        form.get("subject"),
        form.get("intro"),
    )
    .await
    {
        Ok(()) => Ok(back(id, "saved")),
        Err(AppError::Invalid(errors)) => screen(&state, &me, id, None, &errors).await,
        Err(e) => Err(e.into()),
    }
}

/// The mail as readers would see it, for the preview frame.
pub async fn preview(
    State(state): State<AppState>,
    _: Can<ManageNewsletters>,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let preview = issues::preview(&state.db, &state.templates, &state.clock, id).await?;
    Ok(crate::web::security::mail_page(
        preview.html,
        "no-store",
        true,
    ))
}

/// Sends the issue as it stands to the editor's own address.
pub async fn test(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    SignedForm { me, .. }: SignedForm<ManageNewsletters>,
) -> PageResult<Response> {
    issues::send_test(&state.mail_room(), id, &me.user.email).await?;
    Ok(back(id, "tested"))
}

pub async fn schedule(
    State(state): State<AppState>,
    TimeZone(tz): TimeZone,
    Path(id): Path<i64>,
    SignedForm { me, form, .. }: SignedForm<ManageNewsletters>,
) -> PageResult<Response> {
    let at = match local_time::parse(form.get("send_at"), tz, "send_at") {
        Ok(Some(at)) => at,
        Ok(None) => {
            let missing = [FieldError {
                field: "send_at".into(),
                message: "choose when to send the issue".into(),
            }];
            return screen(&state, &me, id, None, &missing).await;
        }
        Err(e) => return screen(&state, &me, id, None, &[e]).await,
    };
    issues::schedule(&state.db, &state.clock, id, at).await?;
    Ok(back(id, "scheduled"))
}

pub async fn send_now(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    _: SignedForm<ManageNewsletters>,
) -> PageResult<Response> {
    issues::schedule(&state.db, &state.clock, id, state.clock.now()).await?;
    Ok(back(id, "sending"))
}

pub async fn unschedule(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    _: SignedForm<ManageNewsletters>,
) -> PageResult<Response> {
    issues::unschedule(&state.db, &state.clock, id).await?;
    Ok(back(id, "draft"))
}
