//! The media library: upload (checked by its header, not its name), alt text, caption, credit,
//! focal point, search, and deletion of what nothing uses.

use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::render::{self, Screen};
use crate::accounts::can::{UploadMedia, WriteOwnArticle};
use crate::accounts::{Capability, allows};
use crate::error::{AppError, FieldError, PageResult};
use crate::media::images;
use crate::media::references;
use crate::media::service::{self as media, MediaEdit};
use crate::site::settings;
use crate::state::AppState;
use crate::web::session::{Can, CurrentUser, SignedForm};

const PER_PAGE: i64 = 48;

/// Library tiles and the item page show renditions, not the originals (which may be 20 MB):
/// tiles are sharp at twice their column's width, the preview at a wide editor's.
const TILE_WIDTH: u32 = 480;
const PREVIEW_WIDTH: u32 = 1280;

#[derive(Serialize)]
struct Tile {
    id: i64,
    url: String,
    alt: String,
    width: i64,
    height: i64,
}

#[derive(Serialize)]
struct LibraryView {
    items: Vec<Tile>,
    total: usize,
    q: String,
    page: i64,
    total_pages: i64,
    prev: Option<String>,
    next: Option<String>,
    can_upload: bool,
    max_mb: usize,
}

#[derive(Deserialize)]
pub struct LibraryQuery {
    q: Option<String>,
    page: Option<i64>,
}

/// A library item as the article editor's picker shows and inserts it.
#[derive(Serialize)]
struct PickerItem {
    id: i64,
    /// What the body stores: the item by id, sized by the renderer.
    src: String,
    /// A signed tile, since the item may not be public yet.
    thumb: String,
    alt: String,
    caption: String,
    credit: String,
    width: i64,
    height: i64,
    focal: String,
}

#[derive(Serialize)]
struct PickerPage {
    items: Vec<PickerItem>,
    page: i64,
    total_pages: i64,
}

#[derive(Deserialize)]
pub struct PickerQuery {
    q: Option<String>,
    page: Option<i64>,
    /// One item, as after an upload.
    id: Option<i64>,
}

/// The library for the article editor's image picker, as JSON: a page of a search, or one item.
pub async fn picker(
    State(state): State<AppState>,
    Can { .. }: Can<WriteOwnArticle>,
    Query(query): Query<PickerQuery>,
) -> PageResult<Response> {
    let page = query.page.unwrap_or(1);
    let (items, total_pages) = match query.id {
        Some(id) => (vec![media::item(&state.db, id).await?], 1),
        None => media::search(&state.db, query.q.as_deref(), page, PER_PAGE).await?,
    };
    let key = settings::signing_key(&state.db).await?;
    let now = state.clock.now();
    let items = items
        .into_iter()
        .map(|m| PickerItem {
            id: m.id,
            src: format!("{}{}", crate::articles::body::LIBRARY_PREFIX, m.id),
            thumb: references::signed_url(&images::urls::sized(m.id, TILE_WIDTH), &key, m.id, now),
            alt: m.alt,
            caption: m.caption,
            credit: m.credit,
            width: m.width,
            height: m.height,
            focal: format!("{},{}", m.focal_x, m.focal_y),
        })
        .collect();
    Ok(axum::Json(PickerPage {
        items,
        page: page.clamp(1, total_pages.max(1)),
        total_pages,
    })
    .into_response())
}

#[derive(Deserialize)]
pub struct PreviewQuery {
    width: Option<u32>,
}

/// A library item for the editor to show while it may not be public: a redirect to a signed
/// rendition, so the body keeps the plain reference.
pub async fn preview(
    State(state): State<AppState>,
    Can { .. }: Can<WriteOwnArticle>,
    Path(id): Path<i64>,
    Query(query): Query<PreviewQuery>,
) -> PageResult<Response> {
    let item = media::item(&state.db, id).await?;
    let width = query
        .width
        .unwrap_or(PREVIEW_WIDTH)
        .clamp(64, PREVIEW_WIDTH);
    let key = settings::signing_key(&state.db).await?;
    let url = references::signed_url(
        &images::urls::sized(item.id, width),
        &key,
        item.id,
        state.clock.now(),
    );
    Ok(Redirect::to(&url).into_response())
}

pub async fn list(
    State(state): State<AppState>,
    Can { me, .. }: Can<WriteOwnArticle>,
    Query(query): Query<LibraryQuery>,
) -> PageResult<Response> {
    show(&state, &me, query, &[]).await
}

async fn show(
    state: &AppState,
    me: &CurrentUser,
    query: LibraryQuery,
    errors: &[FieldError],
) -> PageResult<Response> {
    let page = query.page.unwrap_or(1);
    let (items, total_pages) = media::search(&state.db, query.q.as_deref(), page, PER_PAGE).await?;
    let q = query.q.unwrap_or_default();
    let link = |n: i64| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        if !q.is_empty() {
            s.append_pair("q", &q);
        }
        s.append_pair("page", &n.to_string());
        format!("/admin/media?{}", s.finish())
    };
    let page = page.clamp(1, total_pages);
    let key = settings::signing_key(&state.db).await?;
    let now = state.clock.now();
    let view = LibraryView {
        total: items.len(),
        items: items
            .into_iter()
            .map(|m| Tile {
                id: m.id,
                url: references::signed_url(
                    &images::urls::sized(m.id, TILE_WIDTH),
                    &key,
                    m.id,
                    now,
                ),
                alt: m.alt,
                width: m.width,
                height: m.height,
            })
            .collect(),
        prev: (page > 1).then(|| link(page - 1)),
        next: (page < total_pages).then(|| link(page + 1)),
        q: q.clone(),
        page,
        total_pages,
        can_upload: allows(me.user.role, Capability::UploadMedia),
        max_mb: state.limits.upload_bytes / (1024 * 1024),
    };
    let screen = Screen::new("admin/media.html", "Media library", "media").with_errors(errors);
    render::page(state, Some(me), screen, &view).await
}

pub async fn upload(
    State(state): State<AppState>,
    Can { me, .. }: Can<UploadMedia>,
    mut multipart: Multipart,
) -> PageResult<Response> {
    let too_large = || AppError::TooLarge;
    let mut csrf = String::new();
    let mut file: Option<Vec<u8>> = None;
    while let Some(field) = multipart.next_field().await.map_err(|_| too_large())? {
        match field.name() {
            Some("_csrf") => csrf = field.text().await.map_err(|_| too_large())?,
            Some("file") => file = Some(field.bytes().await.map_err(|_| too_large())?.to_vec()),
            _ => {}
        }
    }
    me.check_csrf(&csrf)?;
    let Some(bytes) = file.filter(|b| !b.is_empty()) else {
        let errors = [FieldError {
            field: "file".into(),
            message: "choose an image to upload".into(),
        }];
        return show(
            &state,
            &me,
            LibraryQuery {
                q: None,
                page: None,
            },
            &errors,
        )
        .await;
    };
    match media::upload(
        &state.db,
        &state.media,
        state.clock.now(),
        &bytes,
        Some(me.user.id),
    )
    .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/admin/media/{id}")).into_response()),
        Err(AppError::Invalid(errors)) => {
            show(
                &state,
                &me,
                LibraryQuery {
                    q: None,
                    page: None,
                },
                &errors,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Serialize)]
struct ItemView {
    id: i64,
    url: String,
    alt: String,
    caption: String,
    credit: String,
    width: i64,
    height: i64,
    kilobytes: i64,
    content_type: String,
    focal_x: i64,
    focal_y: i64,
    uses: i64,
    can_edit: bool,
    can_delete: bool,
}

pub async fn item(
    State(state): State<AppState>,
    Can { me, .. }: Can<WriteOwnArticle>,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let m = media::item(&state.db, id).await?;
    let uses = media::uses(&state.db, id).await?;
    let key = settings::signing_key(&state.db).await?;
    let url = images::urls::sized(m.id, PREVIEW_WIDTH);
    let can_edit = media::may_manage(&me.user, &m);
    let view = ItemView {
        id: m.id,
        url: references::signed_url(&url, &key, m.id, state.clock.now()),
        alt: m.alt,
        caption: m.caption,
        credit: m.credit,
        width: m.width,
        height: m.height,
        kilobytes: (m.bytes + 1023) / 1024,
        content_type: m.content_type,
        focal_x: m.focal_x,
        focal_y: m.focal_y,
        uses,
        can_edit,
        can_delete: uses == 0 && can_edit,
    };
    render::page(
        &state,
        Some(&me),
        Screen::new("admin/media_item.html", "Image", "media"),
        &view,
    )
    .await
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    SignedForm { me, form, .. }: SignedForm<UploadMedia>,
) -> PageResult<Response> {
    let number = |name: &str| form.get(name).trim().parse::<i64>().unwrap_or(500);
    let edit = MediaEdit {
        alt: form.get("alt").into(),
        caption: form.get("caption").into(),
        credit: form.get("credit").into(),
        focal_x: number("focal_x"),
        focal_y: number("focal_y"),
    };
    media::update(&state.db, &me.user, id, &edit).await?;
    Ok(Redirect::to(&format!("/admin/media/{id}")).into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    SignedForm { me, .. }: SignedForm<UploadMedia>,
) -> PageResult<Response> {
    media::delete(&state.db, &state.media, &me.user, id).await?;
    Ok(Redirect::to("/admin/media").into_response())
}
