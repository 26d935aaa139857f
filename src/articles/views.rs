//! What templates see: plain, serialisable views with URLs built and instants shown in the
//! site's zone. Templates never compute anything from raw rows.

use chrono_tz::Tz;
use serde::Serialize;

use super::service::{self, ArticlePage, Author, Card, Paged, Section, Tag};
use crate::fronts::assemble::{BlockLink, Front};
use crate::media::images;
use crate::site::dates::{self, Shown};
use crate::site::layout::{Meta, MetaImage, absolute};
use crate::site::settings::SiteSettings;

#[derive(Serialize)]
pub struct CardView {
    pub url: String,
    pub headline: String,
    pub standfirst: String,
    pub section_name: String,
    pub section_url: String,
    pub date_iso: String,
    pub date_short: String,
    pub time_short: String,
    pub comment_count: i64,
    pub image: Option<ImageView>,
}

#[derive(Serialize)]
pub struct ImageView {
    #[serde(skip)]
    pub id: i64,
    pub src: String,
    pub srcset: String,
    pub width: i64,
    pub height: i64,
    pub alt: String,
    pub caption: String,
    pub credit: String,
}

/// A portrait at its display size, with a sharper one for dense screens.
#[derive(Serialize)]
pub struct AvatarView {
    pub src: String,
    pub srcset: String,
}

pub fn avatar(media_id: i64) -> AvatarView {
    AvatarView {
        src: images::urls::portrait(media_id, 1),
        srcset: format!("{} 2x", images::urls::portrait(media_id, 2)),
    }
}

#[derive(Serialize)]
pub struct LinkView {
    pub name: String,
    pub url: String,
}

#[derive(Serialize)]
pub struct Pagination {
    pub page: i64,
    pub total_pages: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

#[derive(Serialize)]
pub struct ListView {
    pub name: String,
    pub description: String,
    pub parent: Option<LinkView>,
    pub children: Vec<LinkView>,
    pub avatar: Option<AvatarView>,
    pub bio: String,
    pub articles: Vec<CardView>,
    pub pagination: Pagination,
    /// A section front's newsletter sign-up box.
    pub newsletter: Option<NewsletterPromo>,
    /// The top and blocks editors laid out for a section front, on its first page.
    pub front: Option<FrontView>,
    /// A section front's place in the site, as schema.org JSON-LD (a BreadcrumbList); empty on
    /// other lists. Safe to put in a `<script type="application/ld+json">` as it is.
    pub structured_data: String,
}

/// A front: the lead story, the stories beside it, and the blocks below.
#[derive(Serialize)]
pub struct FrontView {
    pub lead: Option<CardView>,
    pub secondary: Vec<CardView>,
    pub blocks: Vec<BlockView>,
}

#[derive(Serialize)]
pub struct BlockView {
    /// A fragment id for the block's heading, unique on the page.
    pub id: String,
    pub title: String,
    /// The section or tag page the block comes from.
    pub url: Option<String>,
    /// `"list"` for a compact list of headlines, `"cards"` for story cards.
    pub style: &'static str,
    pub articles: Vec<CardView>,
}

pub fn front(f: &Front, tz: Tz) -> FrontView {
    FrontView {
        lead: f.lead.as_ref().map(|c| card(c, tz)),
        secondary: cards(&f.secondary, tz),
        blocks: f
            .blocks
            .iter()
            .enumerate()
            .map(|(i, b)| BlockView {
                id: format!("block-{}", i + 1),
                title: b.title.clone(),
                url: b.link.as_ref().map(|l| match l {
                    BlockLink::Section(slug) => format!("/{slug}"),
                    BlockLink::Tag(slug) => format!("/tag/{slug}"),
                }),
                style: if b.is_list { "list" } else { "cards" },
                articles: cards(&b.cards, tz),
            })
            .collect(),
    }
}

pub fn card(c: &Card, tz: Tz) -> CardView {
    let published = c
        .published_at
        .unwrap_or(crate::db::Timestamp::from_micros(0));
    let shown = dates::show(published, tz);
    CardView {
        url: service::article_path(&c.section_slug, published, &c.slug, tz),
        headline: c.headline.clone(),
        standfirst: c.standfirst.clone(),
        section_name: c.section_name.clone(),
        section_url: format!("/{}", c.section_slug),
        date_iso: shown.iso,
        date_short: shown.short,
        time_short: shown.stamp,
        comment_count: c.comment_count,
        image: image(c.lead_id, c.lead_width, c.lead_height, &c.lead_alt, "", ""),
    }
}

fn image(
    media_id: Option<i64>,
    width: Option<i64>,
    height: Option<i64>,
    alt: &str,
    caption: &str,
    credit: &str,
) -> Option<ImageView> {
    let (id, width) = (media_id?, width?);
    let intrinsic = u32::try_from(width).unwrap_or(images::urls::FALLBACK_WIDTH);
    Some(ImageView {
        id,
        src: images::urls::sized(id, images::urls::FALLBACK_WIDTH),
        srcset: images::urls::srcset(id, intrinsic),
        width,
        height: height?,
        alt: alt.to_string(),
        caption: caption.to_string(),
        credit: credit.to_string(),
    })
}

pub fn cards(items: &[Card], tz: Tz) -> Vec<CardView> {
    items.iter().map(|c| card(c, tz)).collect()
}

/// Links to the neighbouring pages of a list at `base` (a path without query).
pub fn pagination(paged: &Paged, base: &str) -> Pagination {
    let link = |n: i64| {
        if n == 1 {
            base.to_string()
        } else {
            format!("{base}?page={n}")
        }
    };
    Pagination {
        page: paged.page,
        total_pages: paged.total_pages,
        prev: (paged.page > 1).then(|| link(paged.page - 1)),
        next: (paged.page < paged.total_pages).then(|| link(paged.page + 1)),
    }
}

pub fn list(name: String, paged: &Paged, base: &str, tz: Tz) -> ListView {
    ListView {
        name,
        description: String::new(),
        parent: None,
        children: Vec::new(),
        avatar: None,
        bio: String::new(),
        articles: cards(&paged.items, tz),
        pagination: pagination(paged, base),
        newsletter: None,
        front: None,
        structured_data: String::new(),
    }
}

pub fn section_link(s: &Section) -> LinkView {
    LinkView {
        name: s.name.clone(),
        url: format!("/{}", s.slug),
    }
}

/// Title suffix and rel links for page N of a list.
pub fn list_meta(title: &str, description: &str, paged: &Paged, base: &str) -> Meta {
    let p = pagination(paged, base);
    Meta {
        title: if paged.page > 1 {
            format!("{title} – page {}", paged.page)
        } else {
            title.to_string()
        },
        description: description.to_string(),
        prev: p.prev,
        next: p.next,
        ..Meta::default()
    }
}

#[derive(Serialize)]
pub struct ArticleView {
    pub headline: String,
    pub standfirst: String,
    pub section: LinkView,
    pub authors: Vec<LinkView>,
    pub tags: Vec<LinkView>,
    pub date_iso: String,
    pub date_human: String,
    pub updated: Option<Shown>,
    pub image: Option<ImageView>,
    pub body_html: String,
    pub related: Vec<CardView>,
    pub comments_open: bool,
    pub comment_count: i64,
    /// The comments and the form, which the comments room fills in.
    pub discussion: Option<crate::comments::service::Discussion>,
    /// The sign-up box, which the newsletters room fills in.
    pub newsletter: Option<NewsletterPromo>,
    pub json_ld: String,
    /// The first byline's handle on X that has one, for `twitter:creator`; empty for none.
    pub x_creator: String,
}

#[derive(Serialize)]
pub struct NewsletterPromo {
    pub name: String,
    pub slug: String,
    pub consent: &'static str,
}

/// An edit more than this long after publication is shown as "Updated …".
const UPDATE_SHOWN_AFTER_SECONDS: i64 = 60;

pub fn article(page: &ArticlePage, site: &SiteSettings) -> (ArticleView, Meta) {
    let a = &page.article;
    let tz = site.tz;
    let published = a.published_at.unwrap_or(a.created_at);
    let shown = dates::show(published, tz);
    let updated = (a.updated_at > published.plus_seconds(UPDATE_SHOWN_AFTER_SECONDS))
        .then(|| dates::show(a.updated_at, tz));
    let authors: Vec<LinkView> = page
        .authors
        .iter()
        .map(|au: &Author| LinkView {
            name: au.name.clone(),
            url: format!("/author/{}", au.slug),
        })
        .collect();
    let tags = page
        .tags
        .iter()
        .map(|t: &Tag| LinkView {
            name: t.name.clone(),
            url: format!("/tag/{}", t.slug),
        })
        .collect();
    let image = image(
        a.lead_id,
        a.lead_width,
        a.lead_height,
        &a.lead_alt,
        &a.lead_caption,
        &a.lead_credit,
    );
    let canonical = absolute(&site.base_url, &page.path);
    let meta_image = image.as_ref().map(|i| MetaImage {
        url: absolute(&site.base_url, &images::urls::social(i.id)),
        width: images::urls::SOCIAL_SIZE.0.into(),
        height: images::urls::SOCIAL_SIZE.1.into(),
        alt: i.alt.clone(),
    });
    let json_ld = json_ld(
        page,
        site,
        &canonical,
        &shown,
        updated.as_ref(),
        meta_image.as_ref(),
    );
    let meta = Meta {
        title: if a.seo_title.is_empty() {
            a.headline.clone()
        } else {
            a.seo_title.clone()
        },
        og_title: a.headline.clone(),
        description: if a.seo_description.is_empty() {
            a.standfirst.clone()
        } else {
            a.seo_description.clone()
        },
        og_type: "article",
        image: meta_image,
        current_section: a.section_slug.clone(),
        ..Meta::default()
    };
    let view = ArticleView {
        headline: a.headline.clone(),
        standfirst: a.standfirst.clone(),
        section: LinkView {
            name: a.section_name.clone(),
            url: format!("/{}", a.section_slug),
        },
        authors,
        tags,
        date_iso: shown.iso,
        date_human: shown.human,
        updated,
        image,
        body_html: a.body_html.clone(),
        related: cards(&page.related, tz),
        comments_open: a.comments_open,
        comment_count: a.comment_count,
        discussion: None,
        newsletter: None,
        json_ld,
        x_creator: page
            .authors
            .iter()
            .find(|a| !a.x_handle.is_empty())
            .map(|a| a.x_handle.clone())
            .unwrap_or_default(),
    };
    (view, meta)
}

/// NewsArticle structured data, with the article's place in the site as a BreadcrumbList.
fn json_ld(
    page: &ArticlePage,
    site: &SiteSettings,
    canonical: &str,
    published: &Shown,
    updated: Option<&Shown>,
    image: Option<&MetaImage>,
) -> String {
    let a = &page.article;
    let base = &site.base_url;
    let authors: Vec<_> = page
        .authors
        .iter()
        .map(|au| {
            serde_json::json!({
                "@type": "Person",
                "name": au.name,
                "url": absolute(base, &format!("/author/{}", au.slug)),
            })
        })
        .collect();
    let crops: Vec<String> = match (a.lead_id, image) {
        (Some(id), Some(_)) => images::urls::STRUCTURED_CROPS
            .iter()
            .map(|(w, h)| absolute(base, &images::urls::crop(id, *w, *h)))
            .collect(),
        _ => Vec::new(),
    };
    let mut publisher =
        serde_json::json!({ "@type": "NewsMediaOrganization", "name": site.name, "url": base });
    if !site.logo_path.is_empty() {
        publisher["logo"] = serde_json::json!({
            "@type": "ImageObject",
            "url": absolute(base, &format!("/media/{}", site.logo_path)),
        });
    }
    let article = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": a.headline,
        "description": a.standfirst,
        "mainEntityOfPage": canonical,
        "url": canonical,
        "datePublished": published.iso,
        "dateModified": updated.map_or(&published.iso, |u| &u.iso),
        "articleSection": a.section_name,
        "image": crops,
        "author": authors,
        "publisher": publisher,
        "inLanguage": site.language,
    });
    let trail = breadcrumbs(
        site,
        &[
            (a.section_name.as_str(), format!("/{}", a.section_slug)),
            (a.headline.as_str(), page.path.clone()),
        ],
    );
    script_json(&serde_json::json!([article, trail]))
}

/// The home page: its front, and what it tells search engines of the site (its name, and how to
/// search it, for a search box under the site in their results).
#[derive(Serialize)]
pub struct HomeView {
    #[serde(flatten)]
    pub front: FrontView,
    pub structured_data: String,
}

pub fn home(f: &Front, site: &SiteSettings) -> HomeView {
    let search = absolute(
        &site.base_url,
        &format!("{}?q={{search_term_string}}", crate::search::SEARCH_PATH),
    );
    let website = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": site.name,
        "url": absolute(&site.base_url, "/"),
        "potentialAction": {
            "@type": "SearchAction",
            "target": { "@type": "EntryPoint", "urlTemplate": search },
            "query-input": "required name=search_term_string",
        },
    });
    HomeView {
        front: front(f, site.tz),
        structured_data: script_json(&website),
    }
}

/// JSON for a `<script type="application/ld+json">`: `<` escaped, so it cannot end the script.
pub fn script_json(value: &serde_json::Value) -> String {
    value.to_string().replace('<', "\\u003c")
}

/// A schema.org BreadcrumbList from the home page down through `trail` (name, path).
pub fn breadcrumbs(site: &SiteSettings, trail: &[(&str, String)]) -> serde_json::Value {
    let home = [(site.name.as_str(), "/".to_string())];
    let items: Vec<serde_json::Value> = home
        .iter()
        .chain(trail)
        .enumerate()
        .map(|(i, (name, path))| {
            serde_json::json!({
                "@type": "ListItem",
                "position": i + 1,
                "name": name,
                "item": absolute(&site.base_url, path),
            })
        })
        .collect();
    serde_json::json!({
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": items,
    })
}
