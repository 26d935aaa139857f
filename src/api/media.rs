//! `/api/v1/media`: the library, multipart upload, metadata and deletion.

use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::extract::{ApiId, ApiJson, ApiQuery, ApiUser};
use super::{Page, PageQuery};
use crate::accounts::can::{UploadMedia, WriteOwnArticle};
use crate::error::{AppError, AppResult, FieldError};
use crate::media::service::{self as media, MediaEdit, MediaItem};
use crate::state::AppState;

#[derive(Serialize)]
pub struct MediaJson {
    id: i64,
    url: String,
    content_type: String,
    width: i64,
    height: i64,
    bytes: i64,
    alt: String,
    caption: String,
    credit: String,
    focal_x: i64,
    focal_y: i64,
}

fn media_json(m: MediaItem) -> MediaJson {
    MediaJson {
        id: m.id,
        url: crate::media::url(&m.path),
        content_type: m.content_type,
        width: m.width,
        height: m.height,
        bytes: m.bytes,
        alt: m.alt,
        caption: m.caption,
        credit: m.credit,
        focal_x: m.focal_x,
        focal_y: m.focal_y,
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    _: ApiUser<WriteOwnArticle>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Page<MediaJson>>> {
    let (page, per_page) = PageQuery::resolve(q.page, q.per_page)?;
    let (items, total_pages) = media::search(&state.db, q.q.as_deref(), page, per_page).await?;
    let total = i64::try_from(items.len()).unwrap_or(0);
    Ok(Json(Page {
        data: items.into_iter().map(media_json).collect(),
        page: page.min(total_pages),
        per_page,
        total,
        total_pages,
    }))
}

pub async fn upload(
    State(state): State<AppState>,
    user: ApiUser<UploadMedia>,
    mut multipart: Multipart,
) -> AppResult<(StatusCode, Json<MediaJson>)> {
    let mut file = None;
    let mut text = MediaEdit {
        alt: String::new(),
        caption: String::new(),
        credit: String::new(),
        focal_x: 500,
        focal_y: 500,
    };
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::TooLarge)?
    {
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "file" => {
                file = Some(
                    field
                        .bytes()
                        .await
                        .map_err(|_| AppError::TooLarge)?
                        .to_vec(),
                )
            }
            "alt" => text.alt = field.text().await.map_err(|_| AppError::TooLarge)?,
            "caption" => text.caption = field.text().await.map_err(|_| AppError::TooLarge)?,
            "credit" => text.credit = field.text().await.map_err(|_| AppError::TooLarge)?,
            _ => {}
        }
    }
    let bytes = file.filter(|b| !b.is_empty()).ok_or_else(|| {
        AppError::Invalid(vec![FieldError {
            field: "file".into(),
            message: "send the image as the multipart field `file`".into(),
        }])
    })?;
    let id = media::upload(
        &state.db,
        &state.media,
        state.clock.now(),
        &bytes,
        Some(user.0.id),
    )
    .await?;
    // A file the library already held keeps its owner and text unless the sender may manage it.
    if media::may_manage(&user.0, &media::item(&state.db, id).await?) {
        media::update(&state.db, &user.0, id, &text).await?;
    }
    Ok((
        StatusCode::CREATED,
        Json(media_json(media::item(&state.db, id).await?)),
    ))
}

pub async fn show(
    State(state): State<AppState>,
    _: ApiUser<WriteOwnArticle>,
    ApiId(id): ApiId,
) -> AppResult<Json<MediaJson>> {
    Ok(Json(media_json(media::item(&state.db, id).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaWrite {
    alt: Option<String>,
    caption: Option<String>,
    credit: Option<String>,
    focal_x: Option<i64>,
    focal_y: Option<i64>,
}

pub async fn update(
    State(state): State<AppState>,
    user: ApiUser<UploadMedia>,
    ApiId(id): ApiId,
    ApiJson(body): ApiJson<MediaWrite>,
) -> AppResult<Json<MediaJson>> {
    let current = media::item(&state.db, id).await?;
    let edit = MediaEdit {
        alt: body.alt.unwrap_or(current.alt),
        caption: body.caption.unwrap_or(current.caption),
        credit: body.credit.unwrap_or(current.credit),
        focal_x: body.focal_x.unwrap_or(current.focal_x),
        focal_y: body.focal_y.unwrap_or(current.focal_y),
    };
    media::update(&state.db, &user.0, id, &edit).await?;
    Ok(Json(media_json(media::item(&state.db, id).await?)))
}

pub async fn delete(
    State(state): State<AppState>,
    user: ApiUser<UploadMedia>,
    ApiId(id): ApiId,
) -> AppResult<StatusCode> {
    media::delete(&state.db, &state.media, &user.0, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
