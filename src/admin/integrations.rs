//! Integrations: the Content API keys Ghost front ends and apps read the site with (see
//! `docs/api-compatibility.md`).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;

use super::render::{self, Screen};
use crate::accounts::can::ManageSettings;
use crate::error::{AppError, PageResult};
use crate::ghost_api::keys;
use crate::site::{dates, layout};
use crate::state::AppState;
use crate::web::session::{Can, CurrentUser, SignedForm};

#[derive(Serialize)]
struct KeyRow {
    id: i64,
    name: String,
    key: String,
    created: String,
}

#[derive(Serialize)]
struct IntegrationsView {
    keys: Vec<KeyRow>,
    base_url: String,
    name: String,
}

async fn show(
    state: &AppState,
    me: &CurrentUser,
    name: &str,
    errors: &[crate::error::FieldError],
) -> PageResult<Response> {
    let site = layout::layout(state).await?.site.clone();
    let keys = keys::list(&state.db, keys::Caller::Account(&me.user))
        .await?
        .into_iter()
        .map(|k| KeyRow {
            id: k.id,
            name: k.name,
            key: k.key,
            created: dates::show(k.created_at, site.tz).human,
        })
        .collect();
    let view = IntegrationsView {
        keys,
        base_url: site.base_url.trim_end_matches('/').to_string(),
        name: name.to_string(),
    };
    let screen =
        Screen::new("admin/integrations.html", "Integrations", "integrations").with_errors(errors);
    render::page(state, Some(me), screen, &view).await
}

pub async fn list(
    State(state): State<AppState>,
    Can { me, .. }: Can<ManageSettings>,
) -> PageResult<Response> {
    show(&state, &me, "", &[]).await
}

pub async fn create(
    State(state): State<AppState>,
    SignedForm { me, form, .. }: SignedForm<ManageSettings>,
) -> PageResult<Response> {
    match keys::create(
        &state.db,
        &state.clock,
        keys::Caller::Account(&me.user),
        form.get("name"),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/admin/integrations").into_response()),
        Err(AppError::Invalid(errors)) => show(&state, &me, form.get("name"), &errors).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    SignedForm { me, .. }: SignedForm<ManageSettings>,
) -> PageResult<Response> {
    keys::revoke(&state.db, &state.clock, keys::Caller::Account(&me.user), id).await?;
    Ok(Redirect::to("/admin/integrations").into_response())
}
