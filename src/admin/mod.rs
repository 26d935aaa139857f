//! The newsroom admin at `/admin`: server-rendered pages that compose the rooms' services. It
//! owns no SQL; every action checks the signed-in person's capability on the server.

mod article_list;
mod auth;
mod comments;
mod dashboard;
mod editor;
mod fronts;
mod integrations;
mod local_time;
mod media;
mod newsletter_issues;
mod newsletters;
mod outbox;
mod page_editor;
mod people;
mod render;
mod revisions;
mod settings;
mod structure;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::state::AppState;

/// Article bodies may be long; other forms stay small.
const ADMIN_BODY_LIMIT: usize = 2 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/login", get(auth::login_form).post(auth::login))
        .route("/admin/logout", post(auth::logout))
        .route("/admin/logout-everywhere", post(auth::logout_everywhere))
        .route("/admin/account", get(auth::account))
        .route("/admin/account/tokens", post(auth::create_token))
        .route(
            "/admin/account/tokens/{id}/revoke",
            post(auth::revoke_token),
        )
        .route(
            "/admin/password-reset",
            get(auth::reset_request_form).post(auth::reset_request),
        )
        .route(
            "/admin/password/{purpose}/{token}",
            get(auth::set_password_form).post(auth::set_password),
        )
        .route("/admin", get(dashboard::show))
        .route(
            "/admin/articles",
            get(article_list::list).post(editor::create),
        )
        .route("/admin/articles/new", get(editor::new_form))
        .route("/admin/articles/bulk", post(article_list::bulk))
        .route(
            "/admin/articles/{id}",
            get(editor::edit_form).post(editor::save),
        )
        .route("/admin/articles/{id}/autosave", post(editor::autosave))
        .route("/admin/articles/{id}/revisions", get(revisions::revisions))
        .route(
            "/admin/articles/{id}/revisions/{revision}/restore",
            post(revisions::restore),
        )
        .route("/admin/preview", post(editor::preview))
        .route("/admin/people", get(people::list).post(people::add))
        .route("/admin/people/{id}", post(people::update))
        .route("/admin/outbox", get(outbox::list))
        .route("/admin/fronts", get(fronts::list))
        .route("/admin/fronts/{front}", get(fronts::desk))
        .route("/admin/fronts/{front}/draft", post(fronts::change))
        .route("/admin/fronts/{front}/publish", post(fronts::publish))
        .route("/admin/fronts/{front}/discard", post(fronts::discard))
        .route("/admin/fronts/{front}/preview", get(fronts::preview))
        .route(
            "/admin/fronts/{front}/revisions/{id}/restore",
            post(fronts::restore),
        )
        .route(
            "/admin/fronts/{front}/revisions/{id}/cancel",
            post(fronts::cancel),
        )
        .route(
            "/admin/pages",
            get(page_editor::list).post(page_editor::create),
        )
        .route("/admin/pages/new", get(page_editor::new_form))
        .route(
            "/admin/pages/{id}",
            get(page_editor::edit_form).post(page_editor::update),
        )
        .route(
            "/admin/pages/{id}/revisions/{revision}/restore",
            post(page_editor::restore),
        )
        .route("/admin/menus", post(page_editor::save_menus))
        .route("/admin/structure", get(structure::show))
        .route("/admin/sections", post(structure::add_section))
        .route("/admin/sections/{id}", post(structure::change_section))
        .route("/admin/tags", post(structure::add_tag))
        .route("/admin/tags/{id}", post(structure::change_tag))
        .route("/admin/authors", post(structure::add_author))
        .route("/admin/authors/{id}", post(structure::change_author))
        .route("/admin/settings", get(settings::edit).post(settings::save))
        .route(
            "/admin/integrations",
            get(integrations::list).post(integrations::create),
        )
        .route(
            "/admin/integrations/{id}/revoke",
            post(integrations::revoke),
        )
        .route(
            "/admin/newsletters",
            get(newsletters::list).post(newsletters::create),
        )
        .route("/admin/newsletters/new", get(newsletters::new_form))
        .route(
            "/admin/newsletters/{id}",
            get(newsletters::edit_form).post(newsletters::update),
        )
        .route(
            "/admin/newsletters/{id}/issues",
            get(newsletter_issues::list).post(newsletter_issues::create),
        )
        .route(
            "/admin/issues/{id}",
            get(newsletter_issues::show).post(newsletter_issues::save),
        )
        .route(
            "/admin/issues/{id}/preview",
            get(newsletter_issues::preview),
        )
        .route("/admin/issues/{id}/test", post(newsletter_issues::test))
        .route(
            "/admin/issues/{id}/schedule",
            post(newsletter_issues::schedule),
        )
        .route("/admin/issues/{id}/send", post(newsletter_issues::send_now))
        .route(
            "/admin/issues/{id}/unschedule",
            post(newsletter_issues::unschedule),
        )
        .route("/admin/comments", get(comments::queue))
        .route("/admin/comments/bulk", post(comments::bulk))
        .route(
            "/admin/comments/settings",
            get(comments::settings).post(comments::save_settings),
        )
        .route("/admin/comments/privacy", get(comments::privacy))
        .route("/admin/comments/privacy/export", post(comments::export))
        .route("/admin/comments/privacy/erase", post(comments::erase))
        .route(
            "/admin/comments/{id}",
            get(comments::edit_form).post(comments::save),
        )
        .route("/admin/comments/{id}/action", post(comments::act))
        .route("/admin/comments/{id}/reply", post(comments::reply))
        .route("/admin/media/{id}", get(media::item).post(media::update))
        .route("/admin/media/{id}/delete", post(media::delete))
        .route("/admin/media/{id}/preview", get(media::preview))
        .route("/admin/media.json", get(media::picker))
        .layer(DefaultBodyLimit::max(ADMIN_BODY_LIMIT))
}

/// The upload route, with the configured size limit (plus room for the form around the file).
pub fn upload_routes(upload_bytes: usize) -> Router<AppState> {
    Router::new()
        .route("/admin/media", get(media::list).post(media::upload))
        .layer(DefaultBodyLimit::max(upload_bytes + 64 * 1024))
}
