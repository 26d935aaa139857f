//! Signing in and out, password links (first password and reset), and the account page.

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::render::{self, Screen};
use crate::accounts::service::{self as accounts, LinkPurpose, Visitor};
use crate::error::{AppError, FieldError, PageResult};
use crate::site::{dates, layout};
use crate::state::AppState;
use crate::web::client::ClientIp;
use crate::web::form::FormFields;
use crate::web::session::{self, CurrentUser, SameOrigin, SignedForm};

#[derive(Serialize)]
struct LoginView {
    email: String,
    next: String,
}

#[derive(Deserialize)]
pub struct NextParam {
    next: Option<String>,
}

/// Only admin paths are followed after signing in, so the form cannot redirect elsewhere.
fn safe_next(next: &str) -> String {
    if next.starts_with("/admin") && !next.starts_with("//") && !next.contains('\\') {
        next.to_string()
    } else {
        "/admin".to_string()
    }
}

pub async fn login_form(
    State(state): State<AppState>,
    Query(q): Query<NextParam>,
) -> PageResult<Response> {
    let view = LoginView {
        email: String::new(),
        next: safe_next(q.next.as_deref().unwrap_or("/admin")),
    };
    render::page(
        &state,
        None,
        Screen::new("admin/login.html", "Sign in", ""),
        &view,
    )
    .await
}

pub async fn login(
    State(state): State<AppState>,
    _same_origin: SameOrigin,
    ClientIp(ip): ClientIp,
    headers: axum::http::HeaderMap,
    form: FormFields,
) -> PageResult<Response> {
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let visitor = Visitor {
        ip: &ip,
        user_agent,
    };
    let next = safe_next(form.get("next"));
    match accounts::sign_in(
        &state.db,
        &state.clock,
        form.get("email"),
        form.get("password"),
        &visitor,
    )
    .await
    {
        Ok(signed_in) => {
            let secure = session::secure_site(&state).await?;
            let mut response = Redirect::to(&next).into_response();
            response.headers_mut().insert(
                header::SET_COOKIE,
                session::session_cookie(&signed_in.token, secure),
            );
            Ok(response)
        }
        Err(e @ (AppError::Unauthorized(_) | AppError::RateLimited)) => {
            let status = e.status();
            let message = match e {
                AppError::RateLimited => {
                    "Too many failed attempts. Wait 15 minutes and try again.".to_string()
                }
                other => format!("{}.", capitalised(&other.to_string())),
            };
            let errors = [FieldError {
                field: "sign-in".into(),
                message,
            }];
            let view = LoginView {
                email: form.get("email").to_string(),
                next,
            };
            let screen = Screen {
                errors: &errors,
                status,
                ..Screen::new("admin/login.html", "Sign in", "")
            };
            render::page(&state, None, screen, &view).await
        }
        Err(other) => Err(other.into()),
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

pub async fn logout(
    State(state): State<AppState>,
    SignedForm { me, .. }: SignedForm,
) -> PageResult<Response> {
    accounts::sign_out(&state.db, &me.session_token).await?;
    signed_out_response(&state).await
}

pub async fn logout_everywhere(
    State(state): State<AppState>,
    SignedForm { me, .. }: SignedForm,
) -> PageResult<Response> {
    accounts::sign_out_everywhere(&state.db, me.user.id).await?;
    signed_out_response(&state).await
}

async fn signed_out_response(state: &AppState) -> PageResult<Response> {
    let secure = session::secure_site(state).await?;
    let mut response = Redirect::to("/admin/login").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session::clear_session_cookie(secure));
    Ok(response)
}

#[derive(Serialize)]
struct TokenRow {
    id: i64,
    name: String,
    created: String,
    last_used: String,
}

#[derive(Serialize)]
struct AccountView {
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
}

async fn account_page(
    state: &AppState,
    me: &CurrentUser,
    new_token: Option<String>,
) -> PageResult<Response> {
    let tz = layout::layout(state).await?.site.tz;
    let tokens = accounts::api_tokens(&state.db, me.user.id)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            created: dates::show(t.created_at, tz).human,
            last_used: t
                .last_used_at
                .map_or("never".into(), |at| dates::show(at, tz).human),
        })
        .collect();
    let view = AccountView { tokens, new_token };
    render::page(
        state,
        Some(me),
        Screen::new("admin/account.html", "Your account", "account"),
        &view,
    )
    .await
}

pub async fn account(State(state): State<AppState>, me: CurrentUser) -> PageResult<Response> {
    account_page(&state, &me, None).await
}

pub async fn create_token(
    State(state): State<AppState>,
    SignedForm { me, form, .. }: SignedForm,
) -> PageResult<Response> {
    let token =
        accounts::create_api_token(&state.db, &state.clock, me.user.id, form.get("name")).await?;
    account_page(&state, &me, Some(token)).await
}

pub async fn revoke_token(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    SignedForm { me, .. }: SignedForm,
) -> PageResult<Response> {
    accounts::revoke_api_token(&state.db, &state.clock, me.user.id, id).await?;
    Ok(Redirect::to("/admin/account").into_response())
}

pub async fn reset_request_form(State(state): State<AppState>) -> PageResult<Response> {
    let screen = Screen::new("admin/reset_request.html", "Reset your password", "");
    render::page(&state, None, screen, &()).await
}

/// Always answers the same way, so the form does not reveal which addresses have accounts: the
/// link is queued for the job worker, which sends it only if an active account has the address.
pub async fn reset_request(
    State(state): State<AppState>,
    _same_origin: SameOrigin,
    ClientIp(ip): ClientIp,
    form: FormFields,
) -> PageResult<Response> {
    let screen = Screen::new("admin/reset_request.html", "Reset your password", "");
    match accounts::request_reset(&state.db, &state.clock, form.get("email"), &ip).await {
        Ok(()) => {
            let screen = Screen {
                notice: Some(
                    "If that address belongs to an account, a link is on its way. It works once, for 24 hours.",
                ),
                ..screen
            };
            render::page(&state, None, screen, &()).await
        }
        Err(e @ (AppError::TooFast(_) | AppError::Invalid(_))) => {
            let status = e.status();
            let errors = match e {
                AppError::Invalid(errors) => errors,
                other => vec![FieldError {
                    field: "email".into(),
                    message: other.to_string(),
                }],
            };
            let screen = Screen {
                errors: &errors,
                status,
                ..screen
            };
            render::page(&state, None, screen, &()).await
        }
        Err(other) => Err(other.into()),
    }
}

fn purpose_of(segment: &str) -> Result<LinkPurpose, AppError> {
    LinkPurpose::parse(segment).ok_or_else(|| AppError::not_found("there is no such link"))
}

#[derive(Serialize)]
struct SetPasswordView {
    usable: bool,
    action: String,
}

pub async fn set_password_form(
    State(state): State<AppState>,
    Path((purpose, token)): Path<(String, String)>,
) -> PageResult<Response> {
    let kind = purpose_of(&purpose)?;
    let usable = accounts::link_is_usable(&state.db, &state.clock, &token, kind).await?;
    let view = SetPasswordView {
        usable,
        action: format!("/admin/password/{purpose}/{token}"),
    };
    let screen = Screen {
        status: if usable {
            StatusCode::OK
        } else {
            StatusCode::GONE
        },
        ..Screen::new("admin/set_password.html", "Choose a password", "")
    };
    render::page(&state, None, screen, &view).await
}

pub async fn set_password(
    State(state): State<AppState>,
    Path((purpose, token)): Path<(String, String)>,
    _same_origin: SameOrigin,
    form: FormFields,
) -> PageResult<Response> {
    let kind = purpose_of(&purpose)?;
    let password = form.get("password");
    let mismatch = password != form.get("confirm");
    let result = if mismatch {
        Err(AppError::Invalid(vec![FieldError {
            field: "confirm".into(),
            message: "the two passwords differ".into(),
        }]))
    } else {
        let revoke_api_tokens = form.get("revoke_tokens") == "yes";
        accounts::redeem_link(
            &state.db,
            &state.clock,
            &token,
            kind,
            password,
            revoke_api_tokens,
        )
        .await
    };
    match result {
        Ok(_) => Ok(Redirect::to("/admin/login?next=/admin").into_response()),
        Err(AppError::Invalid(errors)) => {
            let view = SetPasswordView {
                usable: true,
                action: format!("/admin/password/{purpose}/{token}"),
            };
            let screen = Screen {
                errors: &errors,
                status: StatusCode::UNPROCESSABLE_ENTITY,
                ..Screen::new("admin/set_password.html", "Choose a password", "")
            };
            render::page(&state, None, screen, &view).await
        }
        Err(other) => Err(other.into()),
    }
}
