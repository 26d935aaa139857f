//! Builders for the content a test needs, made through the same services the product uses.

use broadsheet::articles::service::{self as articles, ArticleInput, NewSection, Status};
use broadsheet::db::Timestamp;

use super::{START, TestApp};

pub struct Newsroom {
    pub business: i64,
    pub markets: i64,
    pub tag: i64,
    pub author: i64,
}

/// Two sections (Business News, Markets), a tag (Retail) and an author (Ada Reporter).
pub async fn newsroom(app: &TestApp) -> Newsroom {
    let mut tx = app.db.begin().await.expect("begin");
    let business = articles::create_section_in(
        &mut tx,
        &NewSection {
            parent_id: None,
            name: "Business News",
            slug: "business-news",
            description: "Companies and the economy.",
            position: 0,
        },
    )
    .await
    .expect("section");
    let markets = articles::create_section_in(
        &mut tx,
        &NewSection {
            parent_id: None,
            name: "Markets",
            slug: "markets",
            description: "",
            position: 1,
        },
    )
    .await
    .expect("section");
    let tag = articles::create_tag_in(&mut tx, "Retail")
        .await
        .expect("tag");
    let author = articles::create_author_in(&mut tx, "Ada Reporter", "Writes about shops.", None)
        .await
        .expect("author");
    tx.bump_content_version().await.expect("bump");
    tx.commit().await.expect("commit");
    Newsroom {
        business,
        markets,
        tag,
        author,
    }
}

/// A published Business News article, an hour before the test's start.
pub fn article(n: &Newsroom, headline: &str) -> ArticleInput {
    ArticleInput {
        section_id: n.business,
        slug: String::new(),
        headline: headline.into(),
        standfirst: format!("Standfirst of {headline}."),
        body: format!(
            "<p>First paragraph of {headline}.</p><blockquote><p>A pull quote</p></blockquote><p>Second paragraph.</p>"
        ),
        lead_media_id: None,
        lead_alt: String::new(),
        lead_caption: String::new(),
        lead_credit: String::new(),
        status: Status::Published,
        published_at: Some(START.plus_seconds(-3600)),
        comments_open: true,
        newsletter_topic: Some("White House Watch".into()),
        seo_title: String::new(),
        seo_description: String::new(),
        tag_ids: vec![n.tag],
        author_ids: vec![n.author],
        created_by: None,
        related_ids: Vec::new(),
    }
}

pub async fn publish(app: &TestApp, input: ArticleInput) -> i64 {
    articles::create_article(&app.db, &app.clock, input)
        .await
        .expect("article is created")
}

/// 15 June 2026 at 08:00 New York time is 12:00 UTC; paths use the site zone (UTC by default).
pub fn at_hours_before_start(hours: i64) -> Timestamp {
    START.plus_seconds(-hours * 3600)
}

/// An active daily newsletter drawing from one section.
pub async fn newsletter(app: &TestApp, name: &str, section: i64) -> i64 {
    let input = broadsheet::newsletters::service::NewsletterInput {
        name: name.into(),
        cadence: "daily".into(),
        send_time: "07:00".into(),
        send_weekday: 1,
        active: true,
        section_ids: vec![section],
        ..Default::default()
    };
    broadsheet::newsletters::service::save(&app.db, &app.clock, None, input)
        .await
        .expect("newsletter is saved")
}

/// Three stories an hour apart, newest first in `ids` — "Rates & rents" (tag Retail), "Retail
/// slows" (Retail, then Markets Data), "Markets calm" (in Markets, no tag) — a draft, and one
/// embargoed until tomorrow: what the compatibility APIs' tests read.
pub struct Desk {
    pub n: Newsroom,
    pub ids: Vec<i64>,
    pub draft: i64,
    pub scheduled: i64,
}

pub async fn desk(app: &TestApp) -> Desk {
    let n = newsroom(app).await;
    let mut tx = app.db.begin().await.expect("begin");
    let second_tag = articles::create_tag_in(&mut tx, "Markets Data")
        .await
        .expect("tag");
    tx.commit().await.expect("commit");
    let mut ids = Vec::new();
    for (i, headline) in ["Rates & rents", "Retail slows", "Markets calm"]
        .iter()
        .enumerate()
    {
        let mut input = article(&n, headline);
        input.published_at = Some(START.plus_seconds(-3600 * (i as i64 + 1)));
        if i == 1 {
            input.tag_ids.push(second_tag);
        }
        if i == 2 {
            input.section_id = n.markets;
            input.tag_ids = Vec::new();
        }
        ids.push(publish(app, input).await);
    }
    let mut draft = article(&n, "Unfinished draft");
    draft.status = Status::Draft;
    draft.published_at = None;
    let draft = publish(app, draft).await;
    let mut later = article(&n, "Embargoed until tomorrow");
    later.status = Status::Scheduled;
    later.published_at = Some(START.plus_seconds(86_400));
    let scheduled = publish(app, later).await;
    Desk {
        n,
        ids,
        draft,
        scheduled,
    }
}
