//! What newsletter digests draw from the newsroom: the articles a newsletter's sections and tags
//! published in a period, and each as a mail shows it — absolute links, the byline, and the
//! lead image as a JPEG from the image service (mail clients do not all read WebP or AVIF).

use serde::Serialize;

use super::body::{self, Target};
use super::service::article_path;
use super::store;
use crate::db::{Db, Timestamp};
use crate::error::AppResult;
use crate::site::dates;
use crate::site::layout::absolute;
use crate::site::settings::SiteSettings;

/// The width a mail shows its lead image at; the file is twice as wide for sharp screens.
pub const MAIL_IMAGE_WIDTH: i64 = 600;

#[derive(Debug, Clone, Serialize)]
pub struct Story {
    pub id: i64,
    pub url: String,
    pub headline: String,
    pub standfirst: String,
    pub section_name: String,
    pub section_slug: String,
    pub byline: String,
    pub date: String,
    pub image: Option<StoryImage>,
    /// The story's first paragraphs, rendered for a mail, and as text.
    pub opening_html: String,
    pub opening_text: String,
}

/// How many paragraphs of the lead story a newsletter quotes before "Continue reading".
const OPENING_PARAGRAPHS: usize = 2;

#[derive(Debug, Clone, Serialize)]
pub struct StoryImage {
    pub src: String,
    pub width: i64,
    pub height: i64,
    pub alt: String,
}

/// Ids of the articles published in `[from, until)` in the sections (with their subsections) or
/// tags given, newest first, at most `limit`.
pub async fn published_in(
    db: &Db,
    from: Timestamp,
    until: Timestamp,
    sections: &[i64],
    tags: &[i64],
    limit: i64,
) -> AppResult<Vec<i64>> {
    Ok(store::published_in_sources(db, from, until, sections, tags, limit).await?)
}

/// The stories of `ids`, in that order; articles readers may not see at `now` are left out.
pub async fn stories(
    db: &Db,
    now: Timestamp,
    ids: &[i64],
    site: &SiteSettings,
) -> AppResult<Vec<Story>> {
    let cards = store::cards_by_ids(db, now, ids).await?;
    let mut bodies: std::collections::HashMap<i64, String> = store::bodies(db, ids)
        .await?
        .into_iter()
        .map(|b| (b.id, body::opening(&b.body, OPENING_PARAGRAPHS)))
        .collect();
    let mut out = Vec::with_capacity(cards.len());
    for id in ids {
        let Some(c) = cards.iter().find(|c| c.id == *id) else {
            continue;
        };
        let published = c.published_at.unwrap_or(Timestamp::from_micros(0));
        let opening = bodies.remove(&c.id).unwrap_or_default();
        let authors = store::authors_of(db, c.id).await?;
        let image = match (c.lead_id, c.lead_width, c.lead_height) {
            (Some(media), Some(w), Some(h)) if w > 0 => {
                let width = w.min(MAIL_IMAGE_WIDTH);
                Some(StoryImage {
                    src: absolute(
                        &site.base_url,
                        &format!(
                            "/images/v2/raw/media:{media}?width={}&fit=scale-down&format=jpg&quality=high",
                            width * 2
                        ),
                    ),
                    width,
                    height: h * width / w,
                    alt: c.lead_alt.clone(),
                })
            }
            _ => None,
        };
        out.push(Story {
            id: c.id,
            url: absolute(
                &site.base_url,
                &article_path(&c.section_slug, published, &c.slug, site.tz),
            ),
            headline: c.headline.clone(),
            standfirst: c.standfirst.clone(),
            section_name: c.section_name.clone(),
            section_slug: c.section_slug.clone(),
            byline: authors
                .iter()
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>()
                .join(" and "),
            date: dates::show(published, site.tz).human,
            image,
            opening_html: body::render(
                &opening,
                Target::Email {
                    base: &site.base_url,
                },
                &|_| None,
            ),
            opening_text: body::plain_text(&opening),
        });
    }
    Ok(out)
}
