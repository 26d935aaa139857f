//! The public side of newsletters: the sign-up forms' POST, the `/newsletters` page, and the
//! pages behind the links in mails (confirm, preferences, unsubscribe). Pages reached from a
//! mail ask for a button press before they change anything, so a mail scanner following links
//! changes nothing; the one-click unsubscribe POST of RFC 8058 needs no cookie and no other step.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::service::{self, SignUp};
use super::views::NewsletterView;
use crate::error::{AppError, PageError, PageResult};
use crate::site::layout::{self, Meta};
use crate::state::AppState;
use crate::web::client::ClientIp;
use crate::web::form::FormFields;
use crate::web::session::SameOrigin;
use crate::web::{PUBLIC_CACHE_CONTROL, html_response};

const CHECK_INBOX: &str = "Thank you. Check your inbox: we have sent a link to confirm your \
     sign-up. If it does not arrive within a few minutes, look in your spam folder.";

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"))
}

/// A sign-up from any promo box. Always the same answer, whatever the address's state.
pub async fn subscribe(
    State(state): State<AppState>,
    _: SameOrigin,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    form: FormFields,
) -> Response {
    let json = wants_json(&headers);
    let signup = SignUp {
        email: form.get("email").into(),
        newsletter: form.get("newsletter").into(),
        ip,
        form: form.get("form").into(),
        honeypot: form.get("nickname").into(),
    };
    match service::sign_up(&state.db, &state.clock, signup).await {
        Ok(()) if json => Json(serde_json::json!({ "message": CHECK_INBOX })).into_response(),
        Ok(()) => Redirect::to("/newsletters/check-inbox").into_response(),
        Err(e) if json => e.into_response(),
        Err(e) => PageError(e).into_response(),
    }
}

#[derive(Serialize)]
struct Listing {
    newsletters: Vec<NewsletterView>,
    consent: &'static str,
}

pub async fn list(State(state): State<AppState>) -> PageResult<Response> {
    let view = Listing {
        newsletters: service::active(&state.db)
            .await?
            .iter()
            .map(NewsletterView::from)
            .collect(),
        consent: service::CONSENT_TEXT,
    };
    let meta = Meta {
        title: "Newsletters".into(),
        description: "Our newsletters, free: choose the topics you want in your inbox.".into(),
        ..Meta::default()
    };
    let site = layout::layout(&state).await?;
    let html = layout::render_with(
        &state,
        &site,
        "newsletters.html",
        "/newsletters",
        meta,
        &view,
    )?;
    Ok(html_response(StatusCode::OK, html, PUBLIC_CACHE_CONTROL))
}

/// One of the small pages behind a mail's links: a message, and maybe a form to press.
#[derive(Serialize, Default)]
struct Notice {
    title: String,
    message: String,
    /// A form to submit, with its hidden fields and button.
    action: Option<String>,
    fields: Vec<(String, String)>,
    button: String,
    link: Option<(String, String)>,
}

async fn notice(state: &AppState, status: StatusCode, view: Notice) -> PageResult<Response> {
    let site = layout::layout(state).await?;
    let meta = Meta {
        title: view.title.clone(),
        noindex: true,
        ..Meta::default()
    };
    let html = layout::render_with(
        state,
        &site,
        "newsletter_notice.html",
        "/newsletters",
        meta,
        &view,
    )?;
    Ok(html_response(status, html, "no-store"))
}

pub async fn check_inbox(State(state): State<AppState>) -> PageResult<Response> {
    let view = Notice {
        title: "Check your inbox".into(),
        message: CHECK_INBOX.into(),
        link: Some(("/".into(), "Back to the front page".into())),
        ..Notice::default()
    };
    notice(&state, StatusCode::OK, view).await
}

#[derive(Deserialize)]
pub struct LinkQuery {
    s: Option<String>,
    r: Option<String>,
    n: Option<String>,
    i: Option<String>,
    sig: Option<String>,
}

fn number(value: Option<&str>) -> Result<i64, AppError> {
    value.and_then(|v| v.parse().ok()).ok_or_else(|| {
        AppError::Gone("this link is not complete; use the link in the email".into())
    })
}

pub async fn confirm_page(
    State(state): State<AppState>,
    Query(q): Query<LinkQuery>,
) -> PageResult<Response> {
    let id = number(q.s.as_deref())?;
    let sig = q.sig.unwrap_or_default();
    let name = service::confirmation_pending(&state.db, &state.clock, id, &sig).await?;
    let view = Notice {
        title: format!("Confirm your sign-up to {name}"),
        message: "One more step: press the button to start your subscription.".into(),
        action: Some("/newsletters/confirm".into()),
        fields: vec![("s".into(), id.to_string()), ("sig".into(), sig)],
        button: "Confirm my subscription".into(),
        ..Notice::default()
    };
    notice(&state, StatusCode::OK, view).await
}

pub async fn confirm(
    State(state): State<AppState>,
    _: SameOrigin,
    form: FormFields,
) -> PageResult<Response> {
    let id = number(Some(form.get("s")))?;
    let done = service::confirm(&state.db, &state.clock, id, form.get("sig")).await?;
    let view = Notice {
        title: format!("You are subscribed to {}", done.newsletter),
        message: "Thank you: your subscription has started. Every newsletter carries a link to \
                  change your choices or unsubscribe."
            .into(),
        link: Some((
            format!("/newsletters/preferences?{}", done.preferences_query),
            "Choose your newsletters".into(),
        )),
        ..Notice::default()
    };
    notice(&state, StatusCode::OK, view).await
}

#[derive(Serialize)]
struct PreferencesView {
    preferences: service::Preferences,
    saved: bool,
}

async fn show_preferences(
    state: &AppState,
    r: i64,
    sig: &str,
    saved: bool,
) -> PageResult<Response> {
    let preferences = service::preferences(&state.db, r, sig).await?;
    let site = layout::layout(state).await?;
    let meta = Meta {
        title: "Your newsletters".into(),
        noindex: true,
        ..Meta::default()
    };
    let view = PreferencesView { preferences, saved };
    let html = layout::render_with(
        state,
        &site,
        "newsletter_preferences.html",
        "/newsletters/preferences",
        meta,
        &view,
    )?;
    Ok(html_response(StatusCode::OK, html, "no-store"))
}

pub async fn preferences(
    State(state): State<AppState>,
    Query(q): Query<LinkQuery>,
) -> PageResult<Response> {
    let r = number(q.r.as_deref())?;
    show_preferences(&state, r, &q.sig.unwrap_or_default(), false).await
}

pub async fn save_preferences(
    State(state): State<AppState>,
    _: SameOrigin,
    form: FormFields,
) -> PageResult<Response> {
    let r = number(Some(form.get("r")))?;
    let sig = form.get("sig");
    let wanted: Vec<i64> = if form.get("all") == "off" {
        Vec::new()
    } else {
        form.all("newsletter")
            .into_iter()
            .filter_map(|v| v.parse().ok())
            .collect()
    };
    service::save_preferences(&state.db, &state.clock, r, sig, &wanted).await?;
    show_preferences(&state, r, sig, true).await
}

pub async fn unsubscribe_page(
    State(state): State<AppState>,
    Query(q): Query<LinkQuery>,
) -> PageResult<Response> {
    let (r, n) = (number(q.r.as_deref())?, number(q.n.as_deref())?);
    let i = number(Some(q.i.as_deref().unwrap_or("0")))?;
    let sig = q.sig.unwrap_or_default();
    let view = Notice {
        title: "Unsubscribe".into(),
        message: "Press the button to stop this newsletter. You can sign up again at any time."
            .into(),
        action: Some("/newsletters/unsubscribe".into()),
        fields: vec![
            ("r".into(), r.to_string()),
            ("n".into(), n.to_string()),
            ("i".into(), i.to_string()),
            ("sig".into(), sig),
        ],
        button: "Unsubscribe".into(),
        ..Notice::default()
    };
    notice(&state, StatusCode::OK, view).await
}

/// RFC 8058's one-click POST (the mailbox provider sends `List-Unsubscribe=One-Click` with the
/// link's query and no cookie) and the button of the page above: both unsubscribe at once.
pub async fn unsubscribe(
    State(state): State<AppState>,
    Query(q): Query<LinkQuery>,
    body: axum::body::Bytes,
) -> PageResult<Response> {
    let form = FormFields::parse(&body);
    let pick = |query: Option<String>, name: &str| query.unwrap_or_else(|| form.get(name).into());
    let sig = pick(q.sig, "sig");
    let issue = pick(q.i, "i");
    let link = service::UnsubscribeLink {
        subscriber: number(Some(&pick(q.r, "r")))?,
        newsletter: number(Some(&pick(q.n, "n")))?,
        issue: if issue.is_empty() {
            0
        } else {
            number(Some(&issue))?
        },
        sig: &sig,
    };
    let newsletter = service::unsubscribe(&state.db, &state.clock, &link).await?;
    let view = Notice {
        title: "You are unsubscribed".into(),
        message: format!("You will get no more {}.", newsletter.name),
        ..Notice::default()
    };
    notice(&state, StatusCode::OK, view).await
}

/// An issue as a web page: the view-in-browser link of every mail.
pub async fn issue(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> PageResult<Response> {
    let html = super::issues::public_copy(&state.db, id).await?;
    Ok(crate::web::security::mail_page(
        html,
        PUBLIC_CACHE_CONTROL,
        false,
    ))
}
