//! Site settings: name, description, time zone, language, public address and logo.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;

use super::render::{self, Screen};
use crate::accounts::can::ManageSettings;
use crate::error::{AppError, PageResult};
use crate::media::service as media;
use crate::site::settings::{self, SiteSettings};
use crate::state::AppState;
use crate::web::session::{Can, CurrentUser, SignedForm};

#[derive(Serialize)]
struct LogoOption {
    path: String,
    label: String,
    selected: bool,
}

#[derive(Serialize)]
struct SettingsView {
    name: String,
    description: String,
    timezone: String,
    language: String,
    base_url: String,
    postal_address: String,
    feed_full_text: bool,
    feed_items: i64,
    discourage_search: bool,
    robots_extra: String,
    x_handle: String,
    search_recency: u8,
    zones: Vec<&'static str>,
    media: Vec<LogoOption>,
}

async fn show(
    state: &AppState,
    me: &CurrentUser,
    s: SiteSettings,
    errors: &[crate::error::FieldError],
) -> PageResult<Response> {
    let view = SettingsView {
        media: media::library(&state.db, 200)
            .await?
            .into_iter()
            .map(|m| LogoOption {
                selected: m.path == s.logo_path,
                label: format!(
                    "{} ({}×{})",
                    if m.alt.is_empty() { &m.path } else { &m.alt },
                    m.width,
                    m.height
                ),
                path: m.path,
            })
            .collect(),
        zones: chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect(),
        name: s.name,
        description: s.description,
        timezone: s.timezone,
        language: s.language,
        base_url: s.base_url,
        postal_address: s.postal_address,
        feed_full_text: s.feed_full_text,
        feed_items: s.feed_items,
        discourage_search: s.discourage_search,
        robots_extra: s.robots_extra,
        x_handle: s.x_handle,
        search_recency: s.search_recency,
    };
    let screen =
        Screen::new("admin/settings.html", "Site settings", "settings").with_errors(errors);
    render::page(state, Some(me), screen, &view).await
}

pub async fn edit(
    State(state): State<AppState>,
    Can { me, .. }: Can<ManageSettings>,
) -> PageResult<Response> {
    let current = settings::load(&state.db).await?;
    show(&state, &me, current, &[]).await
}

pub async fn save(
    State(state): State<AppState>,
    SignedForm { me, form, .. }: SignedForm<ManageSettings>,
) -> PageResult<Response> {
    let submitted = SiteSettings {
        name: form.get("name").trim().into(),
        description: form.get("description").trim().into(),
        timezone: form.get("timezone").trim().into(),
        language: form.get("language").trim().into(),
        base_url: form.get("base_url").trim().into(),
        logo_path: form.get("logo_path").into(),
        postal_address: form.get("postal_address").replace("\r\n", "\n"),
        feed_full_text: form.get("feed_content") != "summary",
        feed_items: match form.get("feed_items").trim() {
            "" => settings::DEFAULT_FEED_ITEMS,
            n => n.parse().unwrap_or(0),
        },
        discourage_search: form.has("discourage_search"),
        robots_extra: form.get("robots_extra").replace("\r\n", "\n"),
        x_handle: form.get("x_handle").into(),
        search_recency: match form.get("search_recency").trim() {
            "" => settings::DEFAULT_SEARCH_RECENCY,
            n => n.parse().unwrap_or(u8::MAX),
        },
        ..SiteSettings::default()
    };
    match settings::save(&state.db, &submitted).await {
        Ok(()) => Ok(Redirect::to("/admin/settings").into_response()),
        Err(AppError::Invalid(errors)) => show(&state, &me, submitted, &errors).await,
        Err(e) => Err(e.into()),
    }
}
