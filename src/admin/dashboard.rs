//! The dashboard: my drafts, what waits for review, what is scheduled, what was just published.

use axum::extract::State;
use axum::response::Response;
use serde::Serialize;

use super::render::{self, Screen};
use crate::accounts::{Capability, allows};
use crate::articles::service::{self as articles, AdminFilter};
use crate::error::PageResult;
use crate::site::dates;
use crate::site::layout::TimeZone;
use crate::state::AppState;
use crate::web::session::CurrentUser;

#[derive(Serialize)]
struct Block {
    title: &'static str,
    total: i64,
    rows: Vec<Row>,
}

#[derive(Serialize)]
struct Row {
    id: i64,
    headline: String,
    when: String,
}

#[derive(Serialize)]
struct DashboardView {
    blocks: Vec<Block>,
}

pub async fn show(
    State(state): State<AppState>,
    TimeZone(tz): TimeZone,
    me: CurrentUser,
) -> PageResult<Response> {
    let everyone = allows(me.user.role, Capability::EditAnyArticle);
    let mine = (!everyone).then_some(me.user.id);
    let wanted = [
        ("My drafts", "draft", Some(me.user.id)),
        ("Submitted for review", "review", mine),
        ("Scheduled", "scheduled", mine),
        ("Recently published", "published", mine),
    ];
    let mut blocks = Vec::new();
    for (title, status, created_by) in wanted {
        let filter = AdminFilter {
            status: Some(status.into()),
            created_by,
            ..AdminFilter::default()
        };
        let listed = articles::admin_list(&state.db, &filter, 1, 8).await?;
        blocks.push(Block {
            title,
            total: listed.total,
            rows: listed
                .rows
                .into_iter()
                .map(|r| Row {
                    id: r.id,
                    when: dates::show(r.published_at.unwrap_or(r.updated_at), tz).short,
                    headline: r.headline,
                })
                .collect(),
        });
    }
    let screen = Screen::new("admin/dashboard.html", "Dashboard", "dashboard");
    render::page(&state, Some(&me), screen, &DashboardView { blocks }).await
}
