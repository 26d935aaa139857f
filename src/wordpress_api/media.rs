//! `/wp/v2/media`: the library items anyone may see (those published content, an author's
//! portrait or the logo shows), with their sizes served by the image service.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::context::{
    Api, POST_EDIT_REFUSAL, POST_ORDER_BY, Reply, View, curies, escape, object, paragraph,
};
use super::error::WpError;
use super::params::{Paging, Params};
use crate::accounts::can::{UploadMedia, require};
use crate::accounts::service::User;
use crate::error::AppError;
use crate::media::MediaFiles;
use crate::media::images::urls;
use crate::media::service::{self as media, MediaEdit, MediaItem, PublicMedia};
use axum::extract::FromRequest;
use axum::http::StatusCode;

const EMBEDDED: &[&str] = &[
    "id",
    "date",
    "slug",
    "type",
    "link",
    "title",
    "author",
    "caption",
    "alt_text",
    "media_type",
    "mime_type",
    "media_details",
    "source_url",
];

/// The sizes WordPress themes ask for, by name, as widths.
const SIZES: [(&str, u32); 3] = [("thumbnail", 150), ("medium", 300), ("large", 1024)];

pub async fn list(api: &Api, params: &mut Params) -> Result<Reply, WpError> {
    let view = View::read(params, POST_EDIT_REFUSAL)?;
    let paging = Paging::read(params, 100);
    let desc = params.choice("order", &["asc", "desc"], "desc") == "desc";
    params.choice("orderby", POST_ORDER_BY, "date");
    let media_type = params.choice(
        "media_type",
        &["image", "video", "text", "application", "audio"],
        "",
    );
    let parents = params.ids("parent");
    let filter = PublicMedia {
        ids: params.ids("include"),
        exclude: params.ids("exclude").unwrap_or_default(),
        shown_by: parents.as_ref().and_then(|p| p.first().copied()),
        content_type: params.string("mime_type"),
    };
    params.check()?;
    let skip = paging.skip(params.has("offset"));
    let (items, total) = if !matches!(media_type, "" | "image") {
        (Vec::new(), 0)
    } else {
        media::public(&api.db, api.now, &filter, desc, paging.per_page, skip).await?
    };
    if total > 0 && skip >= total {
        return Err(WpError::page_out_of_range("rest_post_invalid_page_number"));
    }
    let items = items
        .iter()
        .map(|(item, parent)| view.apply(attachment(api, item, *parent), EMBEDDED))
        .collect();
    Ok(Reply::page(items, total, paging))
}

pub async fn one(api: &Api, params: &mut Params, id: &str) -> Result<Reply, WpError> {
    let view = View::read(params, POST_EDIT_REFUSAL)?;
    params.check()?;
    let invalid = || WpError::invalid_id("rest_post_invalid_id", "post");
    let id: i64 = id.parse().map_err(|_| invalid())?;
    let filter = PublicMedia {
        ids: Some(vec![id]),
        ..PublicMedia::default()
    };
    let (items, _) = media::public(&api.db, api.now, &filter, true, 1, 0).await?;
    let (item, parent) = items.first().ok_or_else(invalid)?;
    Ok(Reply::item(
        view.apply(attachment(api, item, *parent), EMBEDDED),
    ))
}

/// The file's name without its folder and extension, as WordPress's attachment slug.
fn slug(item: &MediaItem) -> String {
    let file = item.path.rsplit('/').next().unwrap_or(&item.path);
    file.rsplit_once('.')
        .map_or(file, |(stem, _)| stem)
        .to_string()
}

fn attachment(api: &Api, item: &MediaItem, parent: Option<i64>) -> Map<String, Value> {
    let id = item.id;
    let width = u32::try_from(item.width).unwrap_or(0);
    let height = u32::try_from(item.height).unwrap_or(0);
    let source = api.url(&urls::sized(id, width));
    let file = item
        .path
        .rsplit('/')
        .next()
        .unwrap_or(&item.path)
        .to_string();
    let mut sizes = Map::new();
    for (name, side) in SIZES.into_iter().filter(|(_, w)| *w < width) {
        let scaled = (u64::from(height) * u64::from(side) / u64::from(width.max(1))) as u32;
        sizes.insert(
            name.into(),
            json!({"file": file, "width": side, "height": scaled, "mime_type": item.content_type,
                   "source_url": api.url(&urls::sized(id, side))}),
        );
    }
    sizes.insert(
        "full".into(),
        json!({"file": file, "width": width, "height": height, "mime_type": item.content_type,
               "source_url": source}),
    );
    let title = if item.caption.trim().is_empty() {
        slug(item)
    } else {
        item.caption.clone()
    };
    let mut links = Map::new();
    links.insert("self".into(), api.link(&format!("/wp/v2/media/{id}")));
    links.insert("collection".into(), api.link("/wp/v2/media"));
    links.insert("about".into(), api.link("/wp/v2/types/attachment"));
    links.insert(
        "replies".into(),
        api.embeddable(&format!("/wp/v2/comments?post={id}")),
    );
    links.insert("curies".into(), curies());
    object(json!({
        "id": id,
        "date": api.local(item.created_at),
        "date_gmt": api.gmt(item.created_at),
        "guid": {"rendered": source},
        "modified": api.local(item.created_at),
        "modified_gmt": api.gmt(item.created_at),
        "slug": slug(item),
        "status": "inherit",
        "type": "attachment",
        "link": source,
        "title": {"rendered": escape(&title)},
        "author": 0,
        "comment_status": "closed",
        "ping_status": "closed",
        "template": "",
        "meta": [],
        "description": {"rendered": paragraph(&item.credit)},
        "caption": {"rendered": paragraph(&item.caption)},
        "alt_text": item.alt,
        "media_type": "image",
        "mime_type": item.content_type,
        "media_details": {
            "width": width,
            "height": height,
            "file": item.path,
            "filesize": item.bytes,
            "sizes": sizes,
            "image_meta": {"credit": item.credit, "caption": item.caption},
        },
        "post": parent,
        "source_url": source,
        "_links": links,
    }))
}

/// What an upload carries: the file and the texts WordPress clients send with it.
pub struct Upload {
    pub bytes: Vec<u8>,
    pub alt_text: Option<String>,
    pub caption: Option<String>,
}

/// `POST /wp/v2/media`: a picture into the library for `user`, who must be allowed to upload;
/// answered as WordPress answers an upload, with the new item. A file the library already
/// holds is that item, and keeps its texts unless `user` may manage it.
pub async fn upload(
    api: &Api,
    files: &MediaFiles,
    user: &User,
    upload: Upload,
) -> Result<Reply, WpError> {
    if let Err(AppError::Forbidden(message)) = require::<UploadMedia>(user, "upload media") {
        return Err(WpError::new(
            StatusCode::FORBIDDEN,
            "rest_cannot_create",
            message,
        ));
    }
    if upload.bytes.is_empty() {
        return Err(WpError::new(
            StatusCode::BAD_REQUEST,
            "rest_upload_no_data",
            "No data supplied.",
        ));
    }
    let id = media::upload(&api.db, files, api.now, &upload.bytes, Some(user.id))
        .await
        .map_err(|e| match e {
            AppError::Invalid(fields) => WpError::new(
                StatusCode::BAD_REQUEST,
                "rest_upload_unknown_error",
                fields
                    .into_iter()
                    .map(|f| f.message)
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            other => WpError::from(other),
        })?;
    let mut item = media::item(&api.db, id).await?;
    if media::may_manage(user, &item) && (upload.alt_text.is_some() || upload.caption.is_some()) {
        let edit = MediaEdit {
            alt: upload.alt_text.unwrap_or(item.alt.clone()),
            caption: upload.caption.unwrap_or(item.caption.clone()),
            credit: item.credit.clone(),
            focal_x: item.focal_x,
            focal_y: item.focal_y,
        };
        media::update(&api.db, user, id, &edit).await?;
        item = media::item(&api.db, id).await?;
    }
    let mut reply = Reply::item(Value::Object(attachment(api, &item, None)));
    reply.created = Some(api.route(&format!("/wp/v2/media/{id}")));
    Ok(reply)
}

/// An upload as WordPress clients send it: the file as the body (`Content-Disposition:
/// attachment; filename=…`), or a form with the file as `file`; `alt_text` and `caption` in the
/// form or the query.
pub async fn read_upload(
    content_type: &str,
    parts: axum::http::request::Parts,
    bytes: axum::body::Bytes,
    query: &Params,
) -> Result<Upload, WpError> {
    let mut upload = Upload {
        bytes: Vec::new(),
        alt_text: query.string("alt_text"),
        caption: query.string("caption"),
    };
    if !content_type.starts_with("multipart/form-data") {
        upload.bytes = bytes.to_vec();
        return Ok(upload);
    }
    let broken = || {
        WpError::new(
            StatusCode::BAD_REQUEST,
            "rest_upload_no_data",
            "The form could not be read.",
        )
    };
    let request = axum::http::Request::from_parts(parts, axum::body::Body::from(bytes));
    let mut form = axum::extract::Multipart::from_request(request, &())
        .await
        .map_err(|_| broken())?;
    while let Some(field) = form.next_field().await.map_err(|_| broken())? {
        match field.name().unwrap_or("") {
            "file" => upload.bytes = field.bytes().await.map_err(|_| broken())?.to_vec(),
            "alt_text" => upload.alt_text = Some(field.text().await.map_err(|_| broken())?),
            "caption" => upload.caption = Some(field.text().await.map_err(|_| broken())?),
            _ => {}
        }
    }
    Ok(upload)
}

/// `media/{id}` in the embed context for each of `ids` at once, as [`one`] answers each:
/// the item, or the error for one readers may not see.
pub async fn embedded(api: &Api, ids: &[i64]) -> Result<HashMap<i64, Value>, WpError> {
    let mut answers = HashMap::new();
    if ids.is_empty() {
        return Ok(answers);
    }
    let filter = PublicMedia {
        ids: Some(ids.to_vec()),
        ..PublicMedia::default()
    };
    let limit = i64::try_from(ids.len()).unwrap_or(i64::MAX);
    let (items, _) = media::public(&api.db, api.now, &filter, true, limit, 0).await?;
    for (item, parent) in &items {
        answers.insert(
            item.id,
            View::Embed.apply(attachment(api, item, *parent), EMBEDDED),
        );
    }
    for id in ids {
        answers
            .entry(*id)
            .or_insert_with(|| WpError::invalid_id("rest_post_invalid_id", "post").body());
    }
    Ok(answers)
}
