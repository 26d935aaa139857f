//! Revisions of an article: the list, what changed between two, and restore.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::editor::{editable_by, may_publish};
use super::render::{self, Screen};
use crate::accounts::service as accounts;
use crate::articles::service::{self as articles, ArticleInput};
use crate::error::{AppError, PageResult};
use crate::site::dates;
use crate::site::layout::TimeZone;
use crate::state::AppState;
use crate::web::session::{CurrentUser, SignedForm};

#[derive(Serialize)]
struct RevisionView {
    id: i64,
    when: String,
    by: String,
    headline: String,
}

#[derive(Serialize)]
struct DiffRow {
    field: &'static str,
    before: String,
    after: String,
}

#[derive(Serialize)]
struct RevisionsView {
    id: i64,
    headline: String,
    revisions: Vec<RevisionView>,
    from: Option<i64>,
    to: Option<i64>,
    diff: Vec<DiffRow>,
}

#[derive(Deserialize)]
pub struct CompareQuery {
    from: Option<i64>,
    to: Option<i64>,
}

pub async fn revisions(
    State(state): State<AppState>,
    TimeZone(tz): TimeZone,
    me: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<CompareQuery>,
) -> PageResult<Response> {
    let article = editable_by(&state.db, tz, &me, id).await?;
    let rows = articles::revisions(&state.db, id).await?;
    let people = accounts::users(&state.db).await?;
    let name_of = |uid: Option<i64>| {
        uid.and_then(|u| people.iter().find(|p| p.id == u))
            .map_or("the system".to_string(), |p| p.name.clone())
    };
    let snapshot = |rid: Option<i64>| {
        rid.and_then(|r| rows.iter().find(|x| x.id == r))
            .and_then(|r| ArticleInput::from_snapshot(&r.snapshot).ok())
    };
    let diff = match (snapshot(q.from), snapshot(q.to)) {
        (Some(a), Some(b)) => articles::diff(&a, &b)
            .into_iter()
            .map(|(field, before, after)| DiffRow {
                field,
                before,
                after,
            })
            .collect(),
        _ => Vec::new(),
    };
    let view = RevisionsView {
        id,
        headline: article.input.headline.clone(),
        revisions: rows
            .iter()
            .map(|r| RevisionView {
                id: r.id,
                when: dates::show(r.created_at, tz).human,
                by: name_of(r.user_id),
                headline: r.headline.clone(),
            })
            .collect(),
        from: q.from,
        to: q.to,
        diff,
    };
    render::page(
        &state,
        Some(&me),
        Screen::new("admin/revisions.html", "Revisions", "articles"),
        &view,
    )
    .await
}

pub async fn restore(
    State(state): State<AppState>,
    TimeZone(tz): TimeZone,
    Path((id, revision)): Path<(i64, i64)>,
    SignedForm { me, .. }: SignedForm,
) -> PageResult<Response> {
    let article = editable_by(&state.db, tz, &me, id).await?;
    if !may_publish(&me, article.created_by) {
        return Err(
            AppError::Forbidden("you may not restore revisions of this article".into()).into(),
        );
    }
    articles::restore_revision(&state.db, &state.clock, tz, id, revision, Some(me.user.id)).await?;
    Ok(Redirect::to(&format!("/admin/articles/{id}?notice=restored")).into_response())
}
