//! The admin's page frame: who is signed in, their CSRF token, the navigation their role allows,
//! notices and field errors. Admin pages are private: never cached, never indexed.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::accounts::service::User;
use crate::accounts::{Capability, allows};
use crate::error::{FieldError, PageResult};
use crate::site::layout;
use crate::site::settings::SiteSettings;
use crate::state::AppState;
use crate::web::session::CurrentUser;

#[derive(Serialize)]
struct NavItem {
    label: &'static str,
    url: &'static str,
    current: bool,
}

#[derive(Serialize)]
struct Frame<'a, T: Serialize> {
    site: &'a SiteSettings,
    asset_v: &'a str,
    me: Option<&'a User>,
    csrf: &'a str,
    nav: Vec<NavItem>,
    title: &'a str,
    notice: Option<&'a str>,
    errors: &'a [FieldError],
    page: &'a T,
}

/// What one admin page shows besides its own data.
pub struct Screen<'a> {
    pub template: &'a str,
    pub title: &'a str,
    pub section: &'a str,
    pub notice: Option<&'a str>,
    pub errors: &'a [FieldError],
    pub status: StatusCode,
}

impl<'a> Screen<'a> {
    /// The form again with its field errors: 422 when there are any.
    pub fn with_errors(self, errors: &'a [FieldError]) -> Self {
        Screen {
            errors,
            status: if errors.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            },
            ..self
        }
    }

    pub fn new(template: &'a str, title: &'a str, section: &'a str) -> Self {
        Screen {
            template,
            title,
            section,
            notice: None,
            errors: &[],
            status: StatusCode::OK,
        }
    }
}

fn nav(user: &User, section: &str) -> Vec<NavItem> {
    let mut items = vec![
        ("Dashboard", "/admin", "dashboard"),
        ("Articles", "/admin/articles", "articles"),
        ("Media", "/admin/media", "media"),
    ];
    if allows(user.role, Capability::ModerateComments)
        || allows(user.role, Capability::PublishOwnArticle)
    {
        items.push(("Comments", "/admin/comments", "comments"));
    }
    if allows(user.role, Capability::ArrangeFronts) {
        items.push(("Fronts", "/admin/fronts", "fronts"));
    }
    if allows(user.role, Capability::ManagePages) {
        items.push(("Pages", "/admin/pages", "pages"));
    }
    if allows(user.role, Capability::ManageNewsletters) {
        items.push(("Newsletters", "/admin/newsletters", "newsletters"));
    }
    if allows(user.role, Capability::ManageTaxonomy) {
        items.push(("Structure", "/admin/structure", "structure"));
    }
    if allows(user.role, Capability::ManageSettings) {
        items.push(("Settings", "/admin/settings", "settings"));
        items.push(("Integrations", "/admin/integrations", "integrations"));
    }
    if allows(user.role, Capability::ManagePeople) {
        items.push(("People", "/admin/people", "people"));
    }
    if allows(user.role, Capability::ViewOutbox) {
        items.push(("Outbox", "/admin/outbox", "outbox"));
    }
    items.push(("Account", "/admin/account", "account"));
    items
        .into_iter()
        .map(|(label, url, key)| NavItem {
            label,
            url,
            current: key == section,
        })
        .collect()
}

pub async fn page<T: Serialize>(
    state: &AppState,
    me: Option<&CurrentUser>,
    screen: Screen<'_>,
    page: &T,
) -> PageResult<Response> {
    let site = layout::layout(state).await?;
    let frame = Frame {
        site: &site.site,
        asset_v: state.templates.asset_version(),
        me: me.map(|m| &m.user),
        csrf: me.map_or("", |m| m.csrf_token.as_str()),
        nav: me.map(|m| nav(&m.user, screen.section)).unwrap_or_default(),
        title: screen.title,
        notice: screen.notice,
        errors: screen.errors,
        page,
    };
    let html = state.templates.render(screen.template, &frame)?;
    let mut response = (screen.status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
