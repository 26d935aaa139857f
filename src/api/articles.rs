//! `/api/v1/articles`: list with filters and pages, create, read, update (with optional
//! version check), delete. The same rules as the admin decide who may do what.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::extract::{ApiId, ApiJson, ApiQuery, ApiUser};
use super::{Page, PageQuery};
use crate::accounts::can::WriteOwnArticle;
use crate::articles::body;
use crate::articles::permissions::{self, may_edit};
use crate::articles::service::{self as articles, AdminFilter, ArticleInput, Editable, Status};
use crate::articles::workflow::{self, Standing, Write};
use crate::db::Timestamp;
use crate::error::{AppError, AppResult, FieldError};
use crate::site::layout;
use crate::site::layout::TimeZone;
use crate::state::AppState;

#[derive(Serialize)]
pub struct ArticleJson {
    id: i64,
    headline: String,
    slug: String,
    standfirst: String,
    /// The body in the document model's HTML.
    body_html: String,
    /// The same body in Markdown (blocks Markdown cannot express are kept as their HTML).
    body_markdown: String,
    section_id: i64,
    tag_ids: Vec<i64>,
    author_ids: Vec<i64>,
    related_ids: Vec<i64>,
    lead_media_id: Option<i64>,
    lead_alt: String,
    lead_caption: String,
    lead_credit: String,
    status: Status,
    published_at: Option<String>,
    comments_open: bool,
    newsletter_topic: Option<String>,
    seo_title: String,
    seo_description: String,
    /// Send it back as `version` when updating, to be told if someone else saved in between.
    version: i64,
    url: Option<String>,
}

fn rfc3339(t: Timestamp) -> String {
    t.to_datetime()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn to_json(a: Editable, base_url: &str) -> ArticleJson {
    let i = a.input;
    ArticleJson {
        id: a.id,
        headline: i.headline,
        slug: i.slug,
        standfirst: i.standfirst,
        body_markdown: body::to_markdown(&i.body),
        body_html: i.body,
        section_id: i.section_id,
        tag_ids: i.tag_ids,
        author_ids: i.author_ids,
        related_ids: i.related_ids,
        lead_media_id: i.lead_media_id,
        lead_alt: i.lead_alt,
        lead_caption: i.lead_caption,
        lead_credit: i.lead_credit,
        status: a.status,
        published_at: i.published_at.map(rfc3339),
        comments_open: i.comments_open,
        newsletter_topic: i.newsletter_topic,
        seo_title: i.seo_title,
        seo_description: i.seo_description,
        version: a.version.micros(),
        url: a
            .public_path
            .map(|p| format!("{}{p}", base_url.trim_end_matches('/'))),
    }
}

/// Fields of a create or update; on update, absent fields keep their value.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ArticleWrite {
    headline: Option<String>,
    slug: Option<String>,
    standfirst: Option<String>,
    /// The body as HTML; normalised to the document model.
    body_html: Option<String>,
    /// The body as Markdown, instead of `body_html`.
    body_markdown: Option<String>,
    section_id: Option<i64>,
    tag_ids: Option<Vec<i64>>,
    /// Tag names; missing tags are created. Added to `tag_ids`.
    tags: Option<Vec<String>>,
    author_ids: Option<Vec<i64>>,
    related_ids: Option<Vec<i64>>,
    #[serde(default, deserialize_with = "super::extract::nullable")]
    lead_media_id: Option<Option<i64>>,
    lead_alt: Option<String>,
    lead_caption: Option<String>,
    lead_credit: Option<String>,
    status: Option<Status>,
    #[serde(default, deserialize_with = "super::extract::nullable")]
    published_at: Option<Option<DateTime<Utc>>>,
    comments_open: Option<bool>,
    #[serde(default, deserialize_with = "super::extract::nullable")]
    newsletter_topic: Option<Option<String>>,
    seo_title: Option<String>,
    seo_description: Option<String>,
    version: Option<i64>,
}

impl ArticleWrite {
    /// The article as this request asks to leave it, for [`workflow::write`] to decide on.
    async fn into_write(self, mut input: ArticleInput) -> AppResult<Write> {
        macro_rules! take {
            ($($field:ident => $target:ident),* $(,)?) => {
                $(if let Some(v) = self.$field { input.$target = v; })*
            };
        }
        take!(
            headline => headline, slug => slug, standfirst => standfirst,
            section_id => section_id, author_ids => author_ids,
            lead_media_id => lead_media_id, lead_alt => lead_alt, lead_caption => lead_caption,
            lead_credit => lead_credit, status => status, comments_open => comments_open,
            newsletter_topic => newsletter_topic, seo_title => seo_title,
            seo_description => seo_description, related_ids => related_ids,
        );
        match (self.body_html, self.body_markdown) {
            (Some(_), Some(_)) => {
                return Err(AppError::Invalid(vec![FieldError {
                    field: "body_markdown".into(),
                    message: "send the body once, as body_html or as body_markdown".into(),
                }]));
            }
            (Some(html), None) => input.body = html,
            (None, Some(markdown)) => input.body = body::from_markdown_on_pool(&markdown).await?,
            (None, None) => {}
        }
        if let Some(at) = self.published_at {
            input.published_at = at.map(Timestamp::from_datetime);
        }
        if self.tag_ids.is_some() || self.tags.is_some() {
            input.tag_ids = self.tag_ids.unwrap_or_default();
        }
        Ok(Write {
            wanted: input,
            tag_names: self.tags.unwrap_or_default(),
            expected_version: self.version.map(Timestamp::from_micros),
        })
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<Status>,
    section_id: Option<i64>,
    tag_id: Option<i64>,
    author_id: Option<i64>,
    q: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    user: ApiUser<WriteOwnArticle>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Page<ArticleJson>>> {
    let filter = AdminFilter {
        status: q.status.map(|s| s.as_str().to_string()),
        section_id: q.section_id,
        tag_id: q.tag_id,
        author_id: q.author_id,
        created_by: permissions::listed_creator(&user.0),
        headline: q.q.filter(|s| !s.trim().is_empty()),
    };
    let (page, per_page) = PageQuery::resolve(q.page, q.per_page)?;
    let listed = crate::search::desk::article_list(
        &state.db,
        &state.search.index,
        state.clock.now(),
        &filter,
        page,
        per_page,
    )
    .await?;
    let site = layout::layout(&state).await?;
    let mut data = Vec::new();
    for row in &listed.rows {
        data.push(to_json(
            articles::editable(&state.db, site.site.tz, row.id).await?,
            &site.site.base_url,
        ));
    }
    Ok(Json(Page {
        data,
        page: listed.page,
        per_page,
        total: listed.total,
        total_pages: listed.total_pages,
    }))
}

async fn read(state: &AppState, id: i64) -> AppResult<ArticleJson> {
    let site = layout::layout(state).await?;
    Ok(to_json(
        articles::editable(&state.db, site.site.tz, id).await?,
        &site.site.base_url,
    ))
}

pub async fn create(
    State(state): State<AppState>,
    user: ApiUser<WriteOwnArticle>,
    ApiJson(body): ApiJson<ArticleWrite>,
) -> AppResult<(StatusCode, Json<ArticleJson>)> {
    let mut missing = Vec::new();
    if body.headline.is_none() {
        missing.push(FieldError {
            field: "headline".into(),
            message: "required".into(),
        });
    }
    if body.section_id.is_none() {
        missing.push(FieldError {
            field: "section_id".into(),
            message: "required".into(),
        });
    }
    if !missing.is_empty() {
        return Err(AppError::Invalid(missing));
    }
    let write = body.into_write(ArticleInput::new_draft(user.0.id)).await?;
    let tz = layout::layout(&state).await?.site.tz;
    let id = workflow::write(&state.db, &state.clock, tz, &user.0, None, write).await?;
    Ok((StatusCode::CREATED, Json(read(&state, id).await?)))
}

pub async fn show(
    State(state): State<AppState>,
    user: ApiUser,
    ApiId(id): ApiId,
) -> AppResult<Json<ArticleJson>> {
    let site = layout::layout(&state).await?;
    let article = articles::editable(&state.db, site.site.tz, id).await?;
    if !may_edit(&user.0, article.created_by, article.status) {
        return Err(AppError::Forbidden(
            "the token's account may not read this article".into(),
        ));
    }
    Ok(Json(to_json(article, &site.site.base_url)))
}

pub async fn update(
    State(state): State<AppState>,
    TimeZone(tz): TimeZone,
    user: ApiUser,
    ApiId(id): ApiId,
    ApiJson(body): ApiJson<ArticleWrite>,
) -> AppResult<Json<ArticleJson>> {
    let article = articles::editable(&state.db, tz, id).await?;
    let write = body.into_write(article.input.clone()).await?;
    workflow::write(&state.db, &state.clock, tz, &user.0, Some(&article), write).await?;
    Ok(Json(read(&state, id).await?))
}

pub async fn delete(
    State(state): State<AppState>,
    TimeZone(tz): TimeZone,
    user: ApiUser,
    ApiId(id): ApiId,
) -> AppResult<StatusCode> {
    let article = articles::editable(&state.db, tz, id).await?;
    workflow::check_delete(&user.0, &Standing::of(&article))?;
    articles::delete_article(&state.db, &state.clock, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
