//! `/api/v1/sections`, `/tags` and `/authors`: read for every account, write for editors and
//! administrators.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::extract::{ApiId, ApiJson, ApiUser};
use crate::accounts::can::{ManageTaxonomy, WriteOwnArticle};
use crate::articles::service::{self as articles, AuthorInput, SectionInput};
use crate::error::{AppError, AppResult, FieldError};
use crate::site::layout::TimeZone;
use crate::state::AppState;

fn required(field: &str) -> AppError {
    AppError::Invalid(vec![FieldError {
        field: field.into(),
        message: "required".into(),
    }])
}

#[derive(Serialize)]
pub struct SectionJson {
    id: i64,
    name: String,
    slug: String,
    description: String,
    parent_id: Option<i64>,
}

fn section_json(s: articles::Section) -> SectionJson {
    SectionJson {
        id: s.id,
        name: s.name,
        slug: s.slug,
        description: s.description,
        parent_id: s.parent_id,
    }
}

async fn find_section(state: &AppState, id: i64) -> AppResult<articles::Section> {
    articles::sections(&state.db)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| AppError::not_found("no such section"))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SectionWrite {
    name: Option<String>,
    slug: Option<String>,
    description: Option<String>,
    #[serde(default, deserialize_with = "super::extract::nullable")]
    parent_id: Option<Option<i64>>,
    position: Option<i64>,
}

pub async fn list_sections(
    State(state): State<AppState>,
    _: ApiUser<WriteOwnArticle>,
) -> AppResult<Json<Vec<SectionJson>>> {
    Ok(Json(
        articles::sections(&state.db)
            .await?
            .into_iter()
            .map(section_json)
            .collect(),
    ))
}

pub async fn create_section(
    State(state): State<AppState>,
    _: ApiUser<ManageTaxonomy>,
    ApiJson(body): ApiJson<SectionWrite>,
) -> AppResult<(StatusCode, Json<SectionJson>)> {
    let input = SectionInput {
        name: body.name.ok_or_else(|| required("name"))?,
        slug: body.slug.unwrap_or_default(),
        description: body.description.unwrap_or_default(),
        parent_id: body.parent_id.flatten(),
        position: body.position.unwrap_or(100),
    };
    let id = articles::create_section(&state.db, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(section_json(find_section(&state, id).await?)),
    ))
}

pub async fn show_section(
    State(state): State<AppState>,
    _: ApiUser<WriteOwnArticle>,
    ApiId(id): ApiId,
) -> AppResult<Json<SectionJson>> {
    Ok(Json(section_json(find_section(&state, id).await?)))
}

pub async fn update_section(
    State(state): State<AppState>,
    TimeZone(tz): TimeZone,
    _: ApiUser<ManageTaxonomy>,
    ApiId(id): ApiId,
    ApiJson(body): ApiJson<SectionWrite>,
) -> AppResult<Json<SectionJson>> {
    let current = articles::section_input(&state.db, id).await?;
    let input = SectionInput {
        name: body.name.unwrap_or(current.name),
        slug: body.slug.unwrap_or(current.slug),
        description: body.description.unwrap_or(current.description),
        parent_id: body.parent_id.unwrap_or(current.parent_id),
        position: body.position.unwrap_or(current.position),
    };
    articles::update_section(&state.db, &state.clock, tz, id, &input).await?;
    Ok(Json(section_json(find_section(&state, id).await?)))
}

pub async fn delete_section(
    State(state): State<AppState>,
    _: ApiUser<ManageTaxonomy>,
    ApiId(id): ApiId,
) -> AppResult<StatusCode> {
    articles::delete_section(&state.db, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagWrite {
    name: String,
}

/// A tag as the API shows it.
#[derive(Serialize)]
pub struct TagJson {
    id: i64,
    name: String,
    slug: String,
}

impl From<articles::Tag> for TagJson {
    fn from(t: articles::Tag) -> Self {
        TagJson {
            id: t.id,
            name: t.name,
            slug: t.slug,
        }
    }
}

async fn find_tag(state: &AppState, id: i64) -> AppResult<TagJson> {
    articles::tags(&state.db)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .map(TagJson::from)
        .ok_or_else(|| AppError::not_found("no such tag"))
}

pub async fn list_tags(
    State(state): State<AppState>,
    _: ApiUser<WriteOwnArticle>,
) -> AppResult<Json<Vec<TagJson>>> {
    Ok(Json(
        articles::tags(&state.db)
            .await?
            .into_iter()
            .map(TagJson::from)
            .collect(),
    ))
}

pub async fn create_tag(
    State(state): State<AppState>,
    _: ApiUser<ManageTaxonomy>,
    ApiJson(body): ApiJson<TagWrite>,
) -> AppResult<(StatusCode, Json<TagJson>)> {
    let id = articles::create_tag(&state.db, &body.name).await?;
    Ok((StatusCode::CREATED, Json(find_tag(&state, id).await?)))
}

pub async fn show_tag(
    State(state): State<AppState>,
    _: ApiUser<WriteOwnArticle>,
    ApiId(id): ApiId,
) -> AppResult<Json<TagJson>> {
    Ok(Json(find_tag(&state, id).await?))
}

pub async fn update_tag(
    State(state): State<AppState>,
    _: ApiUser<ManageTaxonomy>,
    ApiId(id): ApiId,
    ApiJson(body): ApiJson<TagWrite>,
) -> AppResult<Json<TagJson>> {
    articles::rename_tag(&state.db, id, &body.name).await?;
    Ok(Json(find_tag(&state, id).await?))
}

pub async fn delete_tag(
    State(state): State<AppState>,
    _: ApiUser<ManageTaxonomy>,
    ApiId(id): ApiId,
) -> AppResult<StatusCode> {
    articles::delete_tag(&state.db, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AuthorWrite {
    name: Option<String>,
    bio: Option<String>,
    #[serde(default, deserialize_with = "super::extract::nullable")]
    avatar_media_id: Option<Option<i64>>,
    x_handle: Option<String>,
}

/// An author profile as the API shows it; `avatar_path` is the portrait's library path.
#[derive(Serialize)]
pub struct AuthorJson {
    id: i64,
    name: String,
    slug: String,
    bio: String,
    x_handle: String,
    avatar_path: Option<String>,
}

impl From<articles::Author> for AuthorJson {
    fn from(a: articles::Author) -> Self {
        AuthorJson {
            id: a.id,
            name: a.name,
            slug: a.slug,
            bio: a.bio,
            x_handle: a.x_handle,
            avatar_path: a.avatar_path,
        }
    }
}

async fn find_author(state: &AppState, id: i64) -> AppResult<AuthorJson> {
    articles::authors(&state.db)
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .map(AuthorJson::from)
        .ok_or_else(|| AppError::not_found("no such author"))
}

pub async fn list_authors(
    State(state): State<AppState>,
    _: ApiUser<WriteOwnArticle>,
) -> AppResult<Json<Vec<AuthorJson>>> {
    Ok(Json(
        articles::authors(&state.db)
            .await?
            .into_iter()
            .map(AuthorJson::from)
            .collect(),
    ))
}

pub async fn create_author(
    State(state): State<AppState>,
    _: ApiUser<ManageTaxonomy>,
    ApiJson(body): ApiJson<AuthorWrite>,
) -> AppResult<(StatusCode, Json<AuthorJson>)> {
    let input = AuthorInput {
        name: body.name.ok_or_else(|| required("name"))?,
        bio: body.bio.unwrap_or_default(),
        avatar_media_id: body.avatar_media_id.flatten(),
        x_handle: body.x_handle.unwrap_or_default(),
    };
    let id = articles::save_author(&state.db, None, &input).await?;
    Ok((StatusCode::CREATED, Json(find_author(&state, id).await?)))
}

pub async fn show_author(
    State(state): State<AppState>,
    _: ApiUser<WriteOwnArticle>,
    ApiId(id): ApiId,
) -> AppResult<Json<AuthorJson>> {
    Ok(Json(find_author(&state, id).await?))
}

pub async fn update_author(
    State(state): State<AppState>,
    _: ApiUser<ManageTaxonomy>,
    ApiId(id): ApiId,
    ApiJson(body): ApiJson<AuthorWrite>,
) -> AppResult<Json<AuthorJson>> {
    let current = find_author(&state, id).await?;
    let avatar = match body.avatar_media_id {
        Some(v) => v,
        None => articles::author_avatar_id(&state.db, id).await?,
    };
    let input = AuthorInput {
        name: body.name.unwrap_or(current.name),
        bio: body.bio.unwrap_or(current.bio),
        avatar_media_id: avatar,
        x_handle: body.x_handle.unwrap_or(current.x_handle),
    };
    articles::save_author(&state.db, Some(id), &input).await?;
    Ok(Json(find_author(&state, id).await?))
}

pub async fn delete_author(
    State(state): State<AppState>,
    _: ApiUser<ManageTaxonomy>,
    ApiId(id): ApiId,
) -> AppResult<StatusCode> {
    articles::delete_author(&state.db, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
