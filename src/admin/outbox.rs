//! The outbox: mail written to the data dir when no SMTP server is configured.

use axum::extract::State;
use axum::response::Response;
use serde::Serialize;

use super::render::{self, Screen};
use crate::accounts::can::ViewOutbox;
use crate::error::PageResult;
use crate::mail::outbox::{self, OutboxItem};
use crate::state::AppState;
use crate::web::session::Can;

#[derive(Serialize)]
struct OutboxView {
    smtp: bool,
    folder: String,
    messages: Vec<OutboxItem>,
}

pub async fn list(
    State(state): State<AppState>,
    Can { me, .. }: Can<ViewOutbox>,
) -> PageResult<Response> {
    let view = match state.mailer.outbox() {
        Some(dir) => OutboxView {
            smtp: false,
            folder: dir.display().to_string(),
            messages: outbox::read(dir, 100)?,
        },
        None => OutboxView {
            smtp: true,
            folder: String::new(),
            messages: Vec::new(),
        },
    };
    render::page(
        &state,
        Some(&me),
        Screen::new("admin/outbox.html", "Outbox", "outbox"),
        &view,
    )
    .await
}
