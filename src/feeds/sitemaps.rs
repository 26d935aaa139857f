//! Sitemaps (sitemaps.org 0.9, with Google's image extension) and the Google News sitemap.
//!
//! `/sitemap.xml` is an index: one file per calendar month of articles (split in parts of at
//! most 50,000 addresses), then the section fronts, tags and authors. A month's `lastmod` is
//! its articles' latest change, so a crawler re-reads only the months that changed. Each file
//! is built from one bounded query, so its cost follows the file, not the size of the archive.

use std::fmt::Write;

use chrono::Duration;
use quick_xml::escape::escape;

use crate::articles::service::{self as articles, Listing};
use crate::articles::syndication::{self, month_bounds};
use crate::db::{Db, Timestamp};
use crate::error::{AppError, AppResult};
use crate::media::images;
use crate::site::layout::absolute;
use crate::site::settings::SiteSettings;

/// The most addresses one sitemap file may hold (sitemaps.org).
pub const MAX_URLS: usize = 50_000;
/// The Google News sitemap: articles first published in the last two days, at most 1,000.
const NEWS_HOURS: i64 = 48;
const NEWS_MAX: i64 = 1_000;
/// The width of the lead picture a sitemap points image crawlers to.
const IMAGE_WIDTH: u32 = 1600;

const URLSET: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
"#;

/// One file of the index, by its name under `/sitemaps/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// `articles-2026-06.xml`, then `articles-2026-06-p2.xml`… for a month over 50,000.
    Articles {
        year: i32,
        month: u32,
        part: usize,
    },
    /// `pages.xml`: the home page and every section front.
    Pages,
    /// `tags.xml`, then `tags-p2.xml`…
    Tags {
        part: usize,
    },
    Authors,
}

impl Part {
    pub fn parse(name: &str) -> Option<Part> {
        let stem = name.strip_suffix(".xml")?;
        let (stem, part) = match stem.rsplit_once("-p") {
            Some((head, n)) => (head, plain_number(n).filter(|n| *n >= 2)?),
            None => (stem, 1),
        };
        match stem {
            "pages" if part == 1 => Some(Part::Pages),
            "authors" if part == 1 => Some(Part::Authors),
            "tags" => Some(Part::Tags { part }),
            _ => {
                let date = stem.strip_prefix("articles-")?;
                let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
                let (year, month) = date.split_once('-')?;
                if year.len() != 4 || month.len() != 2 || !digits(year) || !digits(month) {
                    return None;
                }
                let (year, month) = (year.parse().ok()?, month.parse().ok()?);
                month_bounds(year, month)?;
                Some(Part::Articles { year, month, part })
            }
        }
    }

    fn name(self) -> String {
        let suffix = |part: usize| {
            if part > 1 {
                format!("-p{part}")
            } else {
                String::new()
            }
        };
        match self {
            Part::Articles { year, month, part } => {
                format!("articles-{year:04}-{month:02}{}.xml", suffix(part))
            }
            Part::Pages => "pages.xml".into(),
            Part::Tags { part } => format!("tags{}.xml", suffix(part)),
            Part::Authors => "authors.xml".into(),
        }
    }
}

/// A whole number of at most six digits without sign or leading zero.
fn plain_number(s: &str) -> Option<usize> {
    ((1..=6).contains(&s.len()) && !s.starts_with('0') && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn w3c(t: Timestamp) -> String {
    t.to_datetime()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn parts(count: usize) -> usize {
    count.div_ceil(MAX_URLS).max(1)
}

/// The sitemap index, and the newest change it knows of.
pub async fn index(db: &Db, site: &SiteSettings, now: Timestamp) -> AppResult<(String, Timestamp)> {
    let base = &site.base_url;
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let mut newest = None;
    let mut entry = |part: Part, lastmod: Option<Timestamp>| {
        let loc = absolute(base, &format!("/sitemaps/{}", part.name()));
        let _ = write!(xml, "<sitemap><loc>{}</loc>", escape(&loc));
        if let Some(t) = lastmod {
            let _ = write!(xml, "<lastmod>{}</lastmod>", w3c(t));
        }
        xml.push_str("</sitemap>\n");
    };
    for m in syndication::months(db, now).await?.into_iter().rev() {
        newest = newest.max(Some(m.last_change));
        let count = usize::try_from(m.articles).unwrap_or(usize::MAX);
        for part in 1..=parts(count) {
            let articles = Part::Articles {
                year: m.year,
                month: m.month,
                part,
            };
            entry(articles, Some(m.last_change));
        }
    }
    entry(Part::Pages, newest);
    let tags = usize::try_from(articles::count_tags(db).await?).unwrap_or(usize::MAX);
    for part in 1..=parts(tags) {
        entry(Part::Tags { part }, None);
    }
    entry(Part::Authors, None);
    xml.push_str("</sitemapindex>\n");
    Ok((xml, newest.unwrap_or(now)))
}

/// One file of the index; `NotFound` for a part past the end or a month without articles.
pub async fn part(db: &Db, site: &SiteSettings, now: Timestamp, part: Part) -> AppResult<String> {
    let base = &site.base_url;
    let gone = || AppError::not_found("there is no such sitemap");
    let mut xml = String::from(URLSET);
    let url = |xml: &mut String, path: &str, lastmod: Option<Timestamp>| {
        let _ = write!(xml, "<url><loc>{}</loc>", escape(absolute(base, path)));
        if let Some(t) = lastmod {
            let _ = write!(xml, "<lastmod>{}</lastmod>", w3c(t));
        }
    };
    match part {
        Part::Articles { year, month, part } => {
            let bounds = month_bounds(year, month).ok_or_else(gone)?;
            let limit = i64::try_from(MAX_URLS).unwrap_or(i64::MAX);
            let offset = i64::try_from((part - 1) * MAX_URLS).unwrap_or(i64::MAX);
            let mapped =
                syndication::published_between(db, now, site.tz, bounds, limit, offset).await?;
            if mapped.is_empty() {
                return Err(gone());
            }
            for a in mapped {
                url(&mut xml, &a.path, Some(a.updated_at));
                if let Some(id) = a.lead_id {
                    let image = absolute(base, &images::urls::sized(id, IMAGE_WIDTH));
                    let _ = write!(
                        xml,
                        "<image:image><image:loc>{}</image:loc></image:image>",
                        escape(&image)
                    );
                }
                xml.push_str("</url>\n");
            }
        }
        Part::Pages => {
            url(&mut xml, "/", None);
            xml.push_str("</url>\n");
            for s in articles::sections(db).await? {
                url(&mut xml, &format!("/{}", s.slug), None);
                xml.push_str("</url>\n");
            }
        }
        Part::Tags { part } => {
            let tags = articles::tags(db).await?;
            let page: Vec<_> = tags
                .iter()
                .skip((part - 1) * MAX_URLS)
                .take(MAX_URLS)
                .collect();
            if page.is_empty() && part > 1 {
                return Err(gone());
            }
            for t in page {
                url(&mut xml, &format!("/tag/{}", t.slug), None);
                xml.push_str("</url>\n");
            }
        }
        Part::Authors => {
            for a in articles::authors(db).await? {
                url(&mut xml, &format!("/author/{}", a.slug), None);
                xml.push_str("</url>\n");
            }
        }
    }
    xml.push_str("</urlset>\n");
    Ok(xml)
}

/// The Google News sitemap: the articles first published in the last two days, newest first.
pub async fn news(db: &Db, site: &SiteSettings, now: Timestamp) -> AppResult<(String, Timestamp)> {
    let since = Timestamp::from_datetime(now.to_datetime() - Duration::hours(NEWS_HOURS));
    let recent = articles::newest(
        db,
        now,
        Listing::Between(since, now.plus_seconds(1)),
        usize::try_from(NEWS_MAX).unwrap_or(1_000),
    )
    .await?;
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" \
         xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">\n",
    );
    let name = escape(&site.name).into_owned();
    let language = news_language(&site.language);
    let mut newest = None;
    for c in &recent {
        let published = c.published_at.unwrap_or(now);
        newest = newest.max(Some(published));
        let path = articles::article_path(&c.section_slug, published, &c.slug, site.tz);
        let _ = writeln!(
            xml,
            "<url><loc>{}</loc><news:news><news:publication><news:name>{name}</news:name>\
             <news:language>{language}</news:language></news:publication>\
             <news:publication_date>{}</news:publication_date>\
             <news:title>{}</news:title></news:news></url>",
            escape(absolute(&site.base_url, &path)),
            w3c(published),
            escape(&c.headline),
        );
    }
    xml.push_str("</urlset>\n");
    Ok((xml, newest.unwrap_or(now)))
}

/// Google News wants ISO 639 codes, except `zh-cn` and `zh-tw` for Chinese.
fn news_language(tag: &str) -> String {
    let lower = tag.to_ascii_lowercase();
    match lower.as_str() {
        "zh-cn" | "zh-hans" | "zh-hans-cn" | "zh-sg" => "zh-cn".into(),
        "zh-tw" | "zh-hant" | "zh-hant-tw" | "zh-hk" => "zh-tw".into(),
        other => other.split('-').next().unwrap_or("en").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_names_read_back_and_nothing_else_is_a_part() {
        for part in [
            Part::Articles {
                year: 2026,
                month: 6,
                part: 1,
            },
            Part::Articles {
                year: 1999,
                month: 12,
                part: 3,
            },
            Part::Pages,
            Part::Tags { part: 1 },
            Part::Tags { part: 2 },
            Part::Authors,
        ] {
            assert_eq!(Part::parse(&part.name()), Some(part), "{}", part.name());
        }
        for bad in [
            "articles-2026-13.xml",
            "articles-2026-6.xml",
            "articles-26-06.xml",
            "articles-2026-06-p1.xml",
            "articles-2026-06-p0.xml",
            "articles-2026-06-p02.xml",
            "articles-+2026-06.xml",
            "tags-p1.xml",
            "pages-p2.xml",
            "authors.txt",
            "articles-2026-06-p99999999999.xml",
            "",
        ] {
            assert_eq!(Part::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn news_languages_follow_google() {
        assert_eq!(news_language("en-GB"), "en");
        assert_eq!(news_language("zh-Hant"), "zh-tw");
        assert_eq!(news_language("zh-CN"), "zh-cn");
        assert_eq!(news_language("fr"), "fr");
    }
}
