//! Sections, tags and author profiles, for editors and administrators.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;

use super::render::{self, Screen};
use crate::accounts::can::ManageTaxonomy;
use crate::articles::service::{self as articles, AuthorInput, SectionInput};
use crate::error::{AppError, PageResult};
use crate::media::service as media;
use crate::site::layout;
use crate::state::AppState;
use crate::web::form::FormFields;
use crate::web::session::{Can, SignedForm};

#[derive(Serialize)]
struct SectionView {
    id: i64,
    name: String,
    slug: String,
    parent_id: Option<i64>,
    position: i64,
    description: String,
}

#[derive(Serialize)]
struct MediaOption {
    id: i64,
    path: String,
    label: String,
}

#[derive(Serialize)]
struct TagView {
    id: i64,
    name: String,
    slug: String,
}

/// An author profile; `avatar_path` is the portrait's library path, matched against the
/// library's options.
#[derive(Serialize)]
struct AuthorView {
    id: i64,
    name: String,
    slug: String,
    bio: String,
    x_handle: String,
    avatar_path: Option<String>,
}

#[derive(Serialize)]
struct StructureView {
    sections: Vec<SectionView>,
    top_level: Vec<SectionView>,
    tags: Vec<TagView>,
    authors: Vec<AuthorView>,
    media: Vec<MediaOption>,
}

pub async fn show(
    State(state): State<AppState>,
    Can { me, .. }: Can<ManageTaxonomy>,
) -> PageResult<Response> {
    let sections: Vec<SectionView> = articles::sections(&state.db)
        .await?
        .into_iter()
        .enumerate()
        .map(|(i, s)| SectionView {
            id: s.id,
            name: s.name,
            slug: s.slug,
            parent_id: s.parent_id,
            position: i64::try_from(i).unwrap_or(0),
            description: s.description,
        })
        .collect();
    let top_level = sections
        .iter()
        .filter(|s| s.parent_id.is_none())
        .map(|s| SectionView {
            id: s.id,
            name: s.name.clone(),
            slug: s.slug.clone(),
            parent_id: None,
            position: s.position,
            description: String::new(),
        })
        .collect();
    let view = StructureView {
        sections,
        top_level,
        tags: articles::tags(&state.db)
            .await?
            .into_iter()
            .map(|t| TagView {
                id: t.id,
                name: t.name,
                slug: t.slug,
            })
            .collect(),
        authors: articles::authors(&state.db)
            .await?
            .into_iter()
            .map(|a| AuthorView {
                id: a.id,
                name: a.name,
                slug: a.slug,
                bio: a.bio,
                x_handle: a.x_handle,
                avatar_path: a.avatar_path,
            })
            .collect(),
        media: media::library(&state.db, 200)
            .await?
            .into_iter()
            .map(|m| MediaOption {
                label: format!(
                    "{} ({}×{})",
                    if m.alt.is_empty() { &m.path } else { &m.alt },
                    m.width,
                    m.height
                ),
                id: m.id,
                path: m.path,
            })
            .collect(),
    };
    let screen = Screen::new(
        "admin/structure.html",
        "Sections, tags and authors",
        "structure",
    );
    render::page(&state, Some(&me), screen, &view).await
}

fn section_input(form: &FormFields) -> SectionInput {
    SectionInput {
        parent_id: form.get("parent_id").parse().ok(),
        name: form.get("name").into(),
        slug: form.get("slug").into(),
        description: form.get("description").into(),
        position: form.get("position").parse().unwrap_or(0),
    }
}

fn back(anchor: &str) -> Response {
    Redirect::to(&format!("/admin/structure#{anchor}")).into_response()
}

pub async fn add_section(
    State(state): State<AppState>,
    SignedForm { form, .. }: SignedForm<ManageTaxonomy>,
) -> PageResult<Response> {
    articles::create_section(&state.db, &section_input(&form)).await?;
    Ok(back("sections"))
}

pub async fn change_section(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    SignedForm { form, .. }: SignedForm<ManageTaxonomy>,
) -> PageResult<Response> {
    if form.get("action") == "delete" {
        articles::delete_section(&state.db, id).await?;
    } else {
        let tz = layout::layout(&state).await?.site.tz;
        articles::update_section(&state.db, &state.clock, tz, id, &section_input(&form)).await?;
    }
    Ok(back("sections"))
}

pub async fn add_tag(
    State(state): State<AppState>,
    SignedForm { form, .. }: SignedForm<ManageTaxonomy>,
) -> PageResult<Response> {
    articles::create_tag(&state.db, form.get("name")).await?;
    Ok(back("tags"))
}

pub async fn change_tag(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    SignedForm { form, .. }: SignedForm<ManageTaxonomy>,
) -> PageResult<Response> {
    match form.get("action") {
        "delete" => articles::delete_tag(&state.db, id).await?,
        "rename" => articles::rename_tag(&state.db, id, form.get("name")).await?,
        other => return Err(AppError::BadRequest(format!("unknown action {other:?}")).into()),
    }
    Ok(back("tags"))
}

fn author_input(form: &FormFields) -> AuthorInput {
    AuthorInput {
        name: form.get("name").into(),
        bio: form.get("bio").into(),
        avatar_media_id: form.get("avatar_media_id").parse().ok(),
        x_handle: form.get("x_handle").into(),
    }
}

pub async fn add_author(
    State(state): State<AppState>,
    SignedForm { form, .. }: SignedForm<ManageTaxonomy>,
) -> PageResult<Response> {
    articles::save_author(&state.db, None, &author_input(&form)).await?;
    Ok(back("authors"))
}

pub async fn change_author(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    SignedForm { form, .. }: SignedForm<ManageTaxonomy>,
) -> PageResult<Response> {
    articles::save_author(&state.db, Some(id), &author_input(&form)).await?;
    Ok(back("authors"))
}
