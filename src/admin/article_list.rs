//! The article list: filters, search, pages, and bulk status changes.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::editor::{Choice, PER_PAGE, STATUSES, id_param, status_label};
use super::render::{self, Screen};
use crate::accounts::can::WriteOwnArticle;
use crate::articles::permissions;
use crate::articles::service::{self as articles, AdminFilter, Status};
use crate::articles::workflow::{self, Transition};
use crate::error::{AppError, PageResult};
use crate::search;
use crate::site::dates;
use crate::site::layout::TimeZone;
use crate::state::AppState;
use crate::web::session::{Can, SignedForm};

#[derive(Deserialize, Default)]
pub struct ListQuery {
    status: Option<String>,
    section: Option<String>,
    tag: Option<String>,
    author: Option<String>,
    q: Option<String>,
    page: Option<String>,
}

#[derive(Serialize)]
struct StatusChoice {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

#[derive(Serialize)]
struct ListRow {
    id: i64,
    headline: String,
    section: String,
    status: String,
    status_label: &'static str,
    updated: String,
}

#[derive(Serialize)]
struct ListView {
    rows: Vec<ListRow>,
    total: i64,
    page: i64,
    total_pages: i64,
    prev: Option<String>,
    next: Option<String>,
    q: String,
    statuses: Vec<StatusChoice>,
    sections: Vec<Choice>,
    tags: Vec<Choice>,
    authors: Vec<Choice>,
}

/// Options of a filter, with the chosen one marked.
fn choices(items: impl Iterator<Item = (i64, String)>, chosen: Option<i64>) -> Vec<Choice> {
    items
        .map(|(id, name)| Choice {
            selected: Some(id) == chosen,
            id: id.to_string(),
            name,
        })
        .collect()
}

pub async fn list(
    State(state): State<AppState>,
    TimeZone(tz): TimeZone,
    Can { me, .. }: Can<WriteOwnArticle>,
    Query(q): Query<ListQuery>,
) -> PageResult<Response> {
    let status = q
        .status
        .as_deref()
        .and_then(Status::parse)
        .map(|s| s.as_str().to_string());
    let filter = AdminFilter {
        status: status.clone(),
        section_id: id_param(q.section.as_deref()),
        tag_id: id_param(q.tag.as_deref()),
        author_id: id_param(q.author.as_deref()),
        created_by: permissions::listed_creator(&me.user),
        headline: q.q.clone().filter(|s| !s.trim().is_empty()),
    };
    let page = id_param(q.page.as_deref()).unwrap_or(1);
    let listed = search::desk::article_list(
        &state.db,
        &state.search.index,
        state.clock.now(),
        &filter,
        page,
        PER_PAGE,
    )
    .await?;
    let link = |n: i64| {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("status", q.status.as_deref()),
            ("section", q.section.as_deref()),
            ("tag", q.tag.as_deref()),
            ("author", q.author.as_deref()),
            ("q", q.q.as_deref()),
        ] {
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                query.append_pair(k, v);
            }
        }
        query.append_pair("page", &n.to_string());
        format!("/admin/articles?{}", query.finish())
    };
    let view = ListView {
        rows: listed
            .rows
            .iter()
            .map(|r| ListRow {
                id: r.id,
                headline: r.headline.clone(),
                section: r.section_name.clone(),
                status_label: Status::parse(&r.status).map_or("", status_label),
                status: r.status.clone(),
                updated: dates::show(r.updated_at, tz).human,
            })
            .collect(),
        total: listed.total,
        page: listed.page,
        total_pages: listed.total_pages,
        prev: (listed.page > 1).then(|| link(listed.page - 1)),
        next: (listed.page < listed.total_pages).then(|| link(listed.page + 1)),
        q: q.q.clone().unwrap_or_default(),
        statuses: STATUSES
            .iter()
            .map(|s| StatusChoice {
                value: s.as_str(),
                label: status_label(*s),
                selected: status.as_deref() == Some(s.as_str()),
            })
            .collect(),
        sections: choices(
            articles::sections(&state.db)
                .await?
                .into_iter()
                .map(|s| (s.id, s.name)),
            filter.section_id,
        ),
        tags: choices(
            articles::tags(&state.db)
                .await?
                .into_iter()
                .map(|t| (t.id, t.name)),
            filter.tag_id,
        ),
        authors: choices(
            articles::authors(&state.db)
                .await?
                .into_iter()
                .map(|a| (a.id, a.name)),
            filter.author_id,
        ),
    };
    render::page(
        &state,
        Some(&me),
        Screen::new("admin/articles.html", "Articles", "articles"),
        &view,
    )
    .await
}

/// Bulk actions from the article list: the editor's transitions, every article checked, all
/// of them changed in one transaction or none.
pub async fn bulk(
    State(state): State<AppState>,
    TimeZone(tz): TimeZone,
    SignedForm { me, form, .. }: SignedForm,
) -> PageResult<Response> {
    let action = form.get("action");
    let transition = Transition::parse(action)
        .filter(|t| {
            matches!(
                t,
                Transition::Unpublish | Transition::Archive | Transition::Publish
            )
        })
        .ok_or_else(|| AppError::BadRequest(format!("unknown bulk action {action:?}")))?;
    let ids: Vec<i64> = form
        .all("ids")
        .into_iter()
        .filter_map(|v| v.parse::<i64>().ok())
        .collect();
    workflow::apply_to_many(&state.db, &state.clock, tz, &me.user, &ids, transition).await?;
    Ok(Redirect::to("/admin/articles").into_response())
}
