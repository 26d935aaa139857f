//! The way out: the whole site as a WordPress export (WXR 1.2) that WordPress's own importer
//! reads — sections as categories, tags, author profiles, the media library as attachments,
//! articles as posts with their comments, pages as pages — so no newsroom is locked in. Written as a stream, an
//! article at a time.
//!
//! WordPress numbers posts and attachments from one sequence, so articles keep their ids and
//! library items follow the highest of them. Pictures in bodies and lead images point at the
//! library's original files, the attachments' own addresses, which WordPress's importer
//! downloads (with "Download and import file attachments") and rewrites to its uploads.

use std::collections::HashMap;
use std::io::Write;

use chrono_tz::Tz;

use crate::accounts::service as accounts;
use crate::articles::body::{self, UrlUse};
use crate::articles::service::{self as articles, Status};
use crate::comments::service as comments;
use crate::db::{Db, Timestamp};
use crate::error::AppResult;
use crate::media::service as media;
use crate::pages::service as pages;
use crate::site::settings;

/// Articles and library items read at a time.
const BATCH: i64 = 200;

/// What an export wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Exported {
    pub posts: u64,
    pub pages: u64,
    pub attachments: u64,
    pub comments: u64,
    pub categories: u64,
    pub tags: u64,
    pub authors: u64,
}

/// Text as CDATA, split where it holds the CDATA end marker.
fn cdata(text: &str) -> String {
    format!("<![CDATA[{}]]>", text.replace("]]>", "]]]]><![CDATA[>"))
}

/// Text escaped for an element without CDATA.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// WordPress's `YYYY-MM-DD HH:MM:SS`, in UTC or in the site's zone.
fn wordpress_time(at: Timestamp, tz: Option<Tz>) -> String {
    let utc = at.to_datetime();
    match tz {
        Some(tz) => utc
            .with_timezone(&tz)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string(),
        None => utc.format("%Y-%m-%d %H:%M:%S").to_string(),
    }
}

fn wordpress_status(status: Status) -> &'static str {
    match status {
        Status::Published => "publish",
        Status::Scheduled => "future",
        Status::Draft => "draft",
        Status::Review => "pending",
        Status::Archived => "private",
    }
}

fn comment_approved(status: &str) -> &'static str {
    match status {
        "approved" => "1",
        "spam" => "spam",
        "trash" => "trash",
        _ => "0",
    }
}

struct Site {
    base: String,
    tz: Tz,
    now: Timestamp,
}

impl Site {
    fn absolute(&self, path: &str) -> String {
        if path.starts_with('/') && !path.starts_with("//") {
            format!("{}{path}", self.base)
        } else {
            path.to_string()
        }
    }
}

/// Writes the export of the whole site to `out`.
pub async fn write_wxr<W: Write>(db: &Db, now: Timestamp, out: &mut W) -> AppResult<Exported> {
    let settings = settings::load(db).await?;
    let site = Site {
        base: settings.base_url.trim_end_matches('/').to_string(),
        tz: settings.tz,
        now,
    };
    let mut done = Exported::default();
    let io = |e: std::io::Error| crate::error::AppError::Internal(e.into());
    write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n\
         <!-- A WordPress eXtended RSS export of a Broadsheet site, for WordPress's importer. -->\n\
         <rss version=\"2.0\" xmlns:excerpt=\"http://wordpress.org/export/1.2/excerpt/\" \
         xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" \
         xmlns:wfw=\"http://wellformedweb.org/CommentAPI/\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
         xmlns:wp=\"http://wordpress.org/export/1.2/\">\n<channel>\n\
         <title>{}</title>\n<link>{}</link>\n<description>{}</description>\n\
         <language>en</language>\n<wp:wxr_version>1.2</wp:wxr_version>\n\
         <wp:base_site_url>{}</wp:base_site_url>\n<wp:base_blog_url>{}</wp:base_blog_url>\n",
        escaped(&settings.name),
        escaped(&site.base),
        escaped(&settings.description),
        escaped(&site.base),
        escaped(&site.base),
    )
    .map_err(io)?;

    let emails: HashMap<i64, String> = accounts::users(db)
        .await?
        .into_iter()
        .filter_map(|u| Some((u.author_id?, u.email)))
        .collect();
    let authors = articles::authors(db).await?;
    for a in &authors {
        writeln!(
            out,
            "<wp:author><wp:author_id>{}</wp:author_id><wp:author_login>{}</wp:author_login>\
             <wp:author_email>{}</wp:author_email><wp:author_display_name>{}</wp:author_display_name>\
             <wp:author_first_name>{}</wp:author_first_name><wp:author_last_name>{}</wp:author_last_name>\
             </wp:author>",
            a.id,
            cdata(&a.slug),
            cdata(emails.get(&a.id).map_or("", String::as_str)),
            cdata(&a.name),
            cdata(""),
            cdata(""),
        )
        .map_err(io)?;
        done.authors += 1;
    }
    let author_slugs: HashMap<i64, &str> =
        authors.iter().map(|a| (a.id, a.slug.as_str())).collect();

    let sections = articles::sections(db).await?;
    let section_slugs: HashMap<i64, (&str, &str)> = sections
        .iter()
        .map(|s| (s.id, (s.slug.as_str(), s.name.as_str())))
        .collect();
    for s in &sections {
        let parent = s
            .parent_id
            .and_then(|p| section_slugs.get(&p))
            .map_or("", |(slug, _)| slug);
        writeln!(
            out,
            "<wp:category><wp:term_id>{}</wp:term_id><wp:category_nicename>{}</wp:category_nicename>\
             <wp:category_parent>{}</wp:category_parent><wp:cat_name>{}</wp:cat_name>\
             <wp:category_description>{}</wp:category_description></wp:category>",
            s.id,
            cdata(&s.slug),
            cdata(parent),
            cdata(&s.name),
            cdata(&s.description),
        )
        .map_err(io)?;
        done.categories += 1;
    }
    let tags = articles::tags(db).await?;
    let descriptions: HashMap<i64, String> =
        articles::tag_descriptions(db).await?.into_iter().collect();
    let tag_offset = sections.iter().map(|s| s.id).max().unwrap_or(0);
    for t in &tags {
        writeln!(
            out,
            "<wp:tag><wp:term_id>{}</wp:term_id><wp:tag_slug>{}</wp:tag_slug>\
             <wp:tag_name>{}</wp:tag_name><wp:tag_description>{}</wp:tag_description></wp:tag>",
            tag_offset + t.id,
            cdata(&t.slug),
            cdata(&t.name),
            cdata(descriptions.get(&t.id).map_or("", String::as_str)),
        )
        .map_err(io)?;
        done.tags += 1;
    }
    let tag_slugs: HashMap<i64, (&str, &str)> = tags
        .iter()
        .map(|t| (t.id, (t.slug.as_str(), t.name.as_str())))
        .collect();

    let mut ids = Vec::new();
    let mut after = 0;
    loop {
        let batch = articles::ids_after(db, after, BATCH).await?;
        let Some(last) = batch.last() else { break };
        after = *last;
        ids.extend(batch);
    }
    let attachment_base = ids.iter().copied().max().unwrap_or(0);

    let mut files: HashMap<i64, String> = HashMap::new();
    let mut page_base = attachment_base;
    let mut after = 0;
    loop {
        let batch = media::after(db, after, BATCH).await?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        for m in &batch {
            let url = site.absolute(&format!("/media/{}", m.path));
            let when = m.created_at;
            writeln!(
                out,
                "<item><title>{}</title><link>{}</link><pubDate>{}</pubDate>\
                 <dc:creator>{}</dc:creator><guid isPermaLink=\"false\">{}</guid>\
                 <description></description><content:encoded>{}</content:encoded>\
                 <excerpt:encoded>{}</excerpt:encoded><wp:post_id>{}</wp:post_id>\
                 <wp:post_date>{}</wp:post_date><wp:post_date_gmt>{}</wp:post_date_gmt>\
                 <wp:comment_status>closed</wp:comment_status><wp:ping_status>closed</wp:ping_status>\
                 <wp:post_name>{}</wp:post_name><wp:status>inherit</wp:status>\
                 <wp:post_parent>0</wp:post_parent><wp:menu_order>0</wp:menu_order>\
                 <wp:post_type>attachment</wp:post_type><wp:post_password></wp:post_password>\
                 <wp:is_sticky>0</wp:is_sticky><wp:attachment_url>{}</wp:attachment_url>\
                 <wp:postmeta><wp:meta_key>_wp_attachment_image_alt</wp:meta_key>\
                 <wp:meta_value>{}</wp:meta_value></wp:postmeta></item>",
                cdata(&format!("media-{}", m.id)),
                escaped(&url),
                when.to_datetime().to_rfc2822(),
                cdata(""),
                escaped(&url),
                cdata(""),
                cdata(&m.caption),
                attachment_base + m.id,
                cdata(&wordpress_time(when, Some(site.tz))),
                cdata(&wordpress_time(when, None)),
                cdata(&format!("media-{}", m.id)),
                cdata(&url),
                cdata(&m.alt),
            )
            .map_err(io)?;
            files.insert(m.id, url);
            page_base = page_base.max(attachment_base + m.id);
            done.attachments += 1;
        }
    }

    for id in ids {
        let article = articles::editable(db, site.tz, id).await?;
        let input = &article.input;
        let doc = body::map_urls(&input.body, &mut |use_, url| match use_ {
            UrlUse::Image => body::library_id(url)
                .and_then(|m| files.get(&m).cloned())
                .or_else(|| Some(site.absolute(url))),
            UrlUse::Link => Some(site.absolute(url)),
        });
        let when = input.published_at.unwrap_or(article.version);
        let link = article
            .public_path
            .as_deref()
            .map_or_else(|| site.absolute(&format!("/?p={id}")), |p| site.absolute(p));
        let creator = input
            .author_ids
            .first()
            .and_then(|a| author_slugs.get(a))
            .copied()
            .unwrap_or("");
        let mut terms = String::new();
        if let Some((slug, name)) = section_slugs.get(&input.section_id) {
            terms.push_str(&format!(
                "<category domain=\"category\" nicename=\"{}\">{}</category>",
                escaped(slug),
                cdata(name)
            ));
        }
        for tag in &input.tag_ids {
            if let Some((slug, name)) = tag_slugs.get(tag) {
                terms.push_str(&format!(
                    "<category domain=\"post_tag\" nicename=\"{}\">{}</category>",
                    escaped(slug),
                    cdata(name)
                ));
            }
        }
        let thumbnail = input.lead_media_id.map_or(String::new(), |m| {
            format!(
                "<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key>\
                 <wp:meta_value>{}</wp:meta_value></wp:postmeta>",
                attachment_base + m
            )
        });
        let gmt = if article.status == Status::Published || article.status == Status::Scheduled {
            wordpress_time(when, None)
        } else {
            "0000-00-00 00:00:00".to_string()
        };
        let published = article.status == Status::Published && when <= site.now;
        write!(
            out,
            "<item><title>{}</title><link>{}</link><pubDate>{}</pubDate><dc:creator>{}</dc:creator>\
             <guid isPermaLink=\"false\">{}</guid><description></description>\
             <content:encoded>{}</content:encoded><excerpt:encoded>{}</excerpt:encoded>\
             <wp:post_id>{id}</wp:post_id><wp:post_date>{}</wp:post_date>\
             <wp:post_date_gmt>{}</wp:post_date_gmt><wp:post_modified>{}</wp:post_modified>\
             <wp:post_modified_gmt>{}</wp:post_modified_gmt>\
             <wp:comment_status>{}</wp:comment_status><wp:ping_status>closed</wp:ping_status>\
             <wp:post_name>{}</wp:post_name><wp:status>{}</wp:status>\
             <wp:post_parent>0</wp:post_parent><wp:menu_order>0</wp:menu_order>\
             <wp:post_type>post</wp:post_type><wp:post_password></wp:post_password>\
             <wp:is_sticky>0</wp:is_sticky>{terms}{thumbnail}",
            cdata(&input.headline),
            escaped(&link),
            if published {
                when.to_datetime().to_rfc2822()
            } else {
                String::new()
            },
            cdata(creator),
            escaped(&site.absolute(&format!("/?p={id}"))),
            cdata(&doc),
            cdata(&input.standfirst),
            cdata(&wordpress_time(when, Some(site.tz))),
            cdata(&gmt),
            cdata(&wordpress_time(article.version, Some(site.tz))),
            cdata(&wordpress_time(article.version, None)),
            if input.comments_open {
                "open"
            } else {
                "closed"
            },
            cdata(&input.slug),
            wordpress_status(article.status),
        )
        .map_err(io)?;
        for c in comments::all_of_article(db, id).await? {
            writeln!(
                out,
                "<wp:comment><wp:comment_id>{}</wp:comment_id>\
                 <wp:comment_author>{}</wp:comment_author>\
                 <wp:comment_author_email>{}</wp:comment_author_email>\
                 <wp:comment_author_url>{}</wp:comment_author_url>\
                 <wp:comment_author_IP>{}</wp:comment_author_IP>\
                 <wp:comment_date>{}</wp:comment_date><wp:comment_date_gmt>{}</wp:comment_date_gmt>\
                 <wp:comment_content>{}</wp:comment_content>\
                 <wp:comment_approved>{}</wp:comment_approved>\
                 <wp:comment_type>{}</wp:comment_type><wp:comment_parent>{}</wp:comment_parent>\
                 <wp:comment_user_id>0</wp:comment_user_id></wp:comment>",
                c.id,
                cdata(&c.author_name),
                cdata(&c.author_email),
                cdata(&c.author_url),
                cdata(&c.ip),
                cdata(&wordpress_time(c.created_at, Some(site.tz))),
                cdata(&wordpress_time(c.created_at, None)),
                cdata(&c.body),
                cdata(comment_approved(&c.status)),
                cdata("comment"),
                c.parent_id.unwrap_or(0),
            )
            .map_err(io)?;
            done.comments += 1;
        }
        writeln!(out, "</item>").map_err(io)?;
        done.posts += 1;
    }
    for page in pages::all(db).await? {
        let doc = body::map_urls(&page.body, &mut |use_, url| match use_ {
            UrlUse::Image => body::library_id(url)
                .and_then(|m| files.get(&m).cloned())
                .or_else(|| Some(site.absolute(url))),
            UrlUse::Link => Some(site.absolute(url)),
        });
        let when = page.published_at.unwrap_or(page.updated_at);
        let status = page.status();
        let gmt = match status {
            Status::Published | Status::Scheduled => wordpress_time(when, None),
            _ => "0000-00-00 00:00:00".to_string(),
        };
        writeln!(
            out,
            "<item><title>{}</title><link>{}</link><dc:creator>{}</dc:creator>\
             <guid isPermaLink=\"false\">{}</guid><description></description>\
             <content:encoded>{}</content:encoded><excerpt:encoded>{}</excerpt:encoded>\
             <wp:post_id>{}</wp:post_id><wp:post_date>{}</wp:post_date>\
             <wp:post_date_gmt>{}</wp:post_date_gmt><wp:comment_status>closed</wp:comment_status>\
             <wp:ping_status>closed</wp:ping_status><wp:post_name>{}</wp:post_name>\
             <wp:status>{}</wp:status><wp:post_parent>{}</wp:post_parent>\
             <wp:menu_order>0</wp:menu_order><wp:post_type>page</wp:post_type>\
             <wp:post_password></wp:post_password><wp:is_sticky>0</wp:is_sticky></item>",
            cdata(&page.title),
            escaped(&site.absolute(&page.path())),
            cdata(""),
            escaped(&site.absolute(&format!("/?page_id={}", page_base + page.id))),
            cdata(&doc),
            cdata(""),
            page_base + page.id,
            cdata(&wordpress_time(when, Some(site.tz))),
            cdata(&gmt),
            cdata(&page.slug),
            wordpress_status(status),
            page.parent_id.map_or(0, |p| page_base + p),
        )
        .map_err(io)?;
        done.pages += 1;
    }
    writeln!(out, "</channel>\n</rss>").map_err(io)?;
    out.flush().map_err(io)?;
    Ok(done)
}
