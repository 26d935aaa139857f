//! The demo newsroom: a deterministic site — sections, tags, authors, photographs and a year of
//! articles — generated from a seed, so a newcomer sees a complete site and tests and benchmarks
//! get the same content every time for the same seed and clock.

pub mod comments;
mod images;
mod text;

use std::collections::HashSet;
use std::fmt;

use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::articles::service::{self as articles, ArticleInput, NewSection, Status};
use crate::clock::Clock;
use crate::db::Db;
use crate::media::MediaFiles;
use crate::media::service::{self as media, ImageInput};
use crate::site::settings::{self, SiteSettings};
use text::Beat;

pub struct DemoOptions {
    pub articles: u32,
    pub seed: u64,
    /// Stored as the site's base URL when given.
    pub base_url: Option<String>,
}

pub struct Summary {
    pub sections: usize,
    pub tags: usize,
    pub authors: usize,
    pub articles: u32,
    pub photographs: usize,
    pub comments: usize,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Demo newsroom loaded: {} sections, {} tags, {} authors, {} articles, {} photographs, \
             {} comments.",
            self.sections, self.tags, self.authors, self.articles, self.photographs, self.comments
        )
    }
}

struct SectionPlan {
    name: &'static str,
    description: &'static str,
    beat: &'static Beat,
    newsletter: &'static str,
    parent: Option<usize>,
    tags: &'static [&'static str],
}

const SECTIONS: &[SectionPlan] = &[
    SectionPlan {
        name: "Business News",
        description: "Companies, work and the economy.",
        beat: &text::BUSINESS,
        newsletter: "Business Briefing",
        parent: None,
        tags: &[
            "Retail",
            "Airlines",
            "Jobs",
            "Mergers",
            "Small Business",
            "Supply Chains",
            "Wages",
        ],
    },
    SectionPlan {
        name: "World",
        description: "Reporting from every region.",
        beat: &text::WORLD,
        newsletter: "World Digest",
        parent: None,
        tags: &[
            "Trade Deals",
            "Migration",
            "Humanitarian Aid",
            "Diplomacy",
            "Elections Abroad",
            "Borders",
            "Food Security",
        ],
    },
    SectionPlan {
        name: "Politics",
        description: "Power, policy and the people who make it.",
        beat: &text::POLITICS,
        newsletter: "White House Watch",
        parent: None,
        tags: &[
            "White House",
            "Congress",
            "Budget",
            "Campaign 2028",
            "Housing Policy",
            "Ethics",
            "Supreme Court",
        ],
    },
    SectionPlan {
        name: "Technology",
        description: "The companies and ideas changing how we live.",
        beat: &text::TECHNOLOGY,
        newsletter: "Tech Dispatch",
        parent: None,
        tags: &[
            "Artificial Intelligence",
            "Semiconductors",
            "Privacy",
            "Cybersecurity",
            "Start-ups",
            "Open Source",
            "Batteries",
        ],
    },
    SectionPlan {
        name: "Markets",
        description: "Stocks, bonds, currencies and commodities.",
        beat: &text::MARKETS,
        newsletter: "Markets Morning",
        parent: None,
        tags: &[
            "Interest Rates",
            "Inflation",
            "Bonds",
            "Currencies",
            "Earnings",
            "Central Banks",
            "Equities",
        ],
    },
    SectionPlan {
        name: "Opinion",
        description: "Argument and analysis from our columnists.",
        beat: &text::OPINION,
        newsletter: "The Argument",
        parent: None,
        tags: &[
            "Columns",
            "Editorials",
            "Letters",
            "Cities",
            "Education",
            "Work Life",
            "Transport",
        ],
    },
    SectionPlan {
        name: "Science",
        description: "Discoveries, research and the natural world.",
        beat: &text::SCIENCE,
        newsletter: "Science Notes",
        parent: None,
        tags: &[
            "Space",
            "Oceans",
            "Genetics",
            "Physics",
            "Wildlife",
            "Health Research",
            "Archaeology",
        ],
    },
    SectionPlan {
        name: "Sport",
        description: "Results, analysis and the stories behind the games.",
        beat: &text::SPORT,
        newsletter: "Sport Extra",
        parent: None,
        tags: &[
            "Football",
            "Cricket",
            "Athletics",
            "Tennis",
            "Rugby",
            "Cycling",
            "Olympics",
        ],
    },
    SectionPlan {
        name: "Commodities",
        description: "Oil, metals and crops.",
        beat: &text::MARKETS,
        newsletter: "Markets Morning",
        parent: Some(4),
        tags: &["Oil", "Copper", "Gold"],
    },
    SectionPlan {
        name: "Climate",
        description: "The science and politics of a warming world.",
        beat: &text::SCIENCE,
        newsletter: "Science Notes",
        parent: Some(6),
        tags: &["Glaciers", "Heatwaves"],
    },
    SectionPlan {
        name: "Europe",
        description: "News from across the continent.",
        beat: &text::WORLD,
        newsletter: "World Digest",
        parent: Some(1),
        tags: &["European Union"],
    },
];

const AUTHORS: &[(&str, usize)] = &[
    ("Margot Ellingsen", 0),
    ("Daniel Okonkwo", 2),
    ("Sofia Marchetti", 3),
    ("Ravi Chandrasekar", 4),
    ("Eleanor Byrne", 6),
    ("Tobias Wren", 7),
];

const YEAR_SECONDS: i64 = 365 * 24 * 3600;

/// Replaces all content with a generated newsroom, in one transaction: either it is all there
/// or nothing changed. Photographs are painted before the transaction opens.
/// The topic a demo story is about (see [`text::topic`]), read back from its headline: what
/// `bench/search.sh` checks related articles against. `None` for a headline the generator did
/// not write.
pub fn topic_of(headline: &str) -> Option<&'static str> {
    let headline = headline.to_lowercase();
    SECTIONS
        .iter()
        .flat_map(|s| s.beat.actors.iter().copied())
        .filter(|actor| headline.contains(&actor.to_lowercase()))
        .max_by_key(|actor| actor.len())
}

/// The standing pages every newsroom has, and the footer menu that leads to them.
async fn add_pages(tx: &mut crate::db::Tx, now: crate::db::Timestamp) -> anyhow::Result<()> {
    use crate::articles::workflow::Outcome;
    use crate::pages::service::{self as pages, PageInput};
    use crate::site::menus::{self, Menu, MenuLink};
    let published = Outcome {
        status: Status::Published,
        published_at: Some(now),
    };
    let page = |parent_id, slug: &str, title: &str, body: &str| PageInput {
        parent_id,
        slug: slug.into(),
        title: title.into(),
        body: body.into(),
        ..PageInput::default()
    };
    let new = pages::Target::New { wanted: None };
    let about = pages::save_in(
        tx,
        now,
        new,
        page(None, "about", "About us", text::ABOUT),
        published,
        None,
    )
    .await?;
    for (parent, slug, title, body) in [
        (Some(about), "contact", "Contact", text::CONTACT),
        (None, "corrections", "Corrections", text::CORRECTIONS),
        (None, "terms", "Terms of use", text::TERMS),
    ] {
        pages::save_in(
            tx,
            now,
            new,
            page(parent, slug, title, body),
            published,
            None,
        )
        .await?;
    }
    let footer: Vec<MenuLink> = [
        ("About us", "/about"),
        ("Contact", "/about/contact"),
        ("Corrections", "/corrections"),
        ("Terms of use", "/terms"),
    ]
    .into_iter()
    .map(|(label, url)| MenuLink {
        label: label.into(),
        url: url.into(),
    })
    .collect();
    menus::set_in(tx, Menu::Footer, &footer).await?;
    Ok(())
}

pub async fn load(
    db: &Db,
    clock: &Clock,
    files: &MediaFiles,
    options: &DemoOptions,
) -> anyhow::Result<Summary> {
    let now = clock.now();
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let photo_count = (options.articles as usize / 12).clamp(1, 40);
    let photo_seed: u64 = rng.random();
    let avatar_seed: u64 = rng.random();
    let (photos, avatars) =
        tokio::task::spawn_blocking(move || paint(photo_count, photo_seed, avatar_seed)).await??;

    let mut tx = db.begin().await?;
    crate::comments::service::delete_all_in(&mut tx).await?;
    crate::newsletters::service::delete_all_in(&mut tx).await?;
    crate::pages::service::delete_all_in(&mut tx).await?;
    articles::delete_all_in(&mut tx).await?;

    let mut site = SiteSettings {
        name: "The Broadsheet Ledger".into(),
        description: "Independent news, analysis and opinion.".into(),
        timezone: "America/New_York".into(),
        language: "en".into(),
        postal_address: "The Broadsheet Ledger\n1 Press Row\nSpringfield, IL 62701\nUnited States"
            .into(),
        ..SiteSettings::default()
    };
    if let Some(url) = &options.base_url {
        site.base_url = url.clone();
    } else {
        site.base_url = settings::load(db).await?.base_url;
    }
    settings::save_in(&mut tx, &site).await?;

    let mut section_ids = Vec::new();
    let mut tag_ids: Vec<Vec<(i64, &str)>> = Vec::new();
    let mut tag_count = 0;
    for (position, plan) in (0_i64..).zip(SECTIONS) {
        let slug = crate::articles::slug::slugify(plan.name);
        let id = articles::create_section_in(
            &mut tx,
            &NewSection {
                parent_id: plan.parent.map(|p| section_ids[p]),
                name: plan.name,
                slug: &slug,
                description: plan.description,
                position,
            },
        )
        .await?;
        section_ids.push(id);
        let mut tags = Vec::new();
        for name in plan.tags {
            tags.push((articles::create_tag_in(&mut tx, name).await?, *name));
        }
        tag_count += tags.len();
        tag_ids.push(tags);
    }

    add_newsletters(&mut tx, now, &section_ids).await?;
    add_pages(&mut tx, now).await?;

    let mut author_ids = Vec::new();
    for ((name, beat), avatar) in AUTHORS.iter().zip(&avatars) {
        let avatar_id = media::add_image_in(
            &mut tx,
            files,
            now,
            &ImageInput {
                bytes: avatar,
                extension: "jpg",
                width: images::AVATAR_SIZE,
                height: images::AVATAR_SIZE,
                alt: name,
                caption: "",
                credit: "",
            },
        )
        .await?;
        let bio = text::bio(&mut rng, SECTIONS[*beat].name);
        author_ids.push((
            articles::create_author_in(&mut tx, name, &bio, Some(avatar_id)).await?,
            *beat,
        ));
    }

    let mut photo_ids = Vec::new();
    for photo in &photos {
        let (alt, caption, credit) = text::caption(&mut rng);
        let id = media::add_image_in(
            &mut tx,
            files,
            now,
            &ImageInput {
                bytes: photo,
                extension: "jpg",
                width: images::WIDTH,
                height: images::HEIGHT,
                alt: &alt,
                caption: &caption,
                credit: &credit,
            },
        )
        .await?;
        photo_ids.push((id, alt, caption, credit));
    }

    let mut used_slugs = HashSet::new();
    let mut discussed = Vec::new();
    for n in 0..options.articles {
        let s = rng.random_range(0..SECTIONS.len());
        let plan = &SECTIONS[s];
        let topic = text::topic(&mut rng, plan.beat);
        let mut headline = text::headline(&mut rng, plan.beat, topic);
        let base_slug = crate::articles::slug::slugify(&headline);
        let mut slug = base_slug.clone();
        if !used_slugs.insert((s, slug.clone())) {
            slug = crate::articles::slug::numbered(&base_slug, u64::from(n));
            used_slugs.insert((s, slug.clone()));
            headline.push_str(&format!(" ({})", rng.random_range(2..9) * 10));
        }
        let mut tags = tag_ids[s].clone();
        if let Some(parent) = plan.parent {
            tags.extend(tag_ids[parent].iter().copied());
        }
        tags.shuffle(&mut rng);
        tags.truncate(rng.random_range(2..=4).min(tags.len()));
        let mut authors: Vec<i64> = author_ids
            .iter()
            .filter(|(_, beat)| *beat == s || Some(*beat) == plan.parent)
            .map(|(id, _)| *id)
            .collect();
        if (authors.is_empty() || rng.random_bool(0.3))
            && let Some((id, _)) = author_ids.choose(&mut rng)
            && !authors.contains(id)
        {
            authors.push(*id);
        }
        authors.truncate(if rng.random_bool(0.8) { 1 } else { 2 });
        let age = rng.random_range(0..YEAR_SECONDS);
        let (status, published_at) = match rng.random_range(0..100) {
            0 => (Status::Draft, None),
            1 => (
                Status::Scheduled,
                Some(now.plus_seconds(rng.random_range(3600..7 * 86400))),
            ),
            2 => (Status::Archived, Some(now.plus_seconds(-age))),
            _ => (Status::Published, Some(now.plus_seconds(-age))),
        };
        let lead =
            (rng.random_bool(0.92)).then(|| &photo_ids[rng.random_range(0..photo_ids.len())]);
        let first_tag = tags
            .first()
            .map(|(_, name)| (*name, crate::articles::slug::slugify(name)));
        let section_slug = crate::articles::slug::slugify(plan.name);
        let body = text::body(
            &mut rng,
            plan.beat,
            topic,
            (plan.name, &section_slug),
            first_tag.as_ref().map(|(n, s)| (*n, s.as_str())),
        );
        let input = ArticleInput {
            section_id: section_ids[s],
            slug,
            standfirst: text::standfirst(&mut rng, plan.beat),
            headline,
            body: crate::articles::body::from_editor_markdown(&body),
            lead_media_id: lead.map(|l| l.0),
            lead_alt: lead.map(|l| l.1.clone()).unwrap_or_default(),
            lead_caption: lead.map(|l| l.2.clone()).unwrap_or_default(),
            lead_credit: lead.map(|l| l.3.clone()).unwrap_or_default(),
            status,
            published_at,
            comments_open: rng.random_bool(0.9),
            newsletter_topic: rng.random_bool(0.75).then(|| plan.newsletter.to_string()),
            seo_title: String::new(),
            seo_description: String::new(),
            tag_ids: tags.iter().map(|(id, _)| *id).collect(),
            author_ids: authors,
            created_by: None,
            related_ids: Vec::new(),
        };
        let open = input.comments_open;
        let id = articles::create_article_in(&mut tx, now, input).await?;
        if let Some(at) = published_at.filter(|at| status == Status::Published && *at < now && open)
        {
            discussed.push((id, at));
        }
        if let Some(at) = published_at.filter(|_| rng.random_bool(0.15)) {
            let edited = at.plus_seconds(rng.random_range(600..2 * 86400));
            if edited < now {
                articles::set_updated_at_in(&mut tx, id, edited).await?;
            }
        }
    }
    let comment_count = add_conversation(&mut tx, options.seed, now, &discussed).await?;
    // Only now, so photographs painted again from the same seed keep their ids (and URLs).
    media::delete_unused_in(&mut tx).await?;
    tx.bump_content_version().await?;
    tx.commit().await?;
    Ok(Summary {
        sections: SECTIONS.len(),
        tags: tag_count,
        authors: AUTHORS.len(),
        articles: options.articles,
        photographs: photos.len(),
        comments: comment_count,
    })
}

/// One newsletter for each name the sections promote, drawing from those sections.
async fn add_newsletters(
    tx: &mut crate::db::Tx,
    now: crate::db::Timestamp,
    section_ids: &[i64],
) -> anyhow::Result<()> {
    use crate::newsletters::service::{NewsletterInput, save_in};
    let mut names: Vec<&str> = SECTIONS.iter().map(|p| p.newsletter).collect();
    names.sort_unstable();
    names.dedup();
    for (position, name) in (0_i64..).zip(names) {
        let sections: Vec<i64> = SECTIONS
            .iter()
            .zip(section_ids)
            .filter(|(p, _)| p.newsletter == name)
            .map(|(_, id)| *id)
            .collect();
        let input = NewsletterInput {
            name: name.to_string(),
            description: format!("The best of our {name} coverage, with the stories behind it."),
            cadence: "daily".into(),
            send_time: "07:00".into(),
            send_weekday: 1,
            active: true,
            position,
            section_ids: sections,
            ..NewsletterInput::default()
        };
        save_in(tx, now, None, input).await?;
    }
    Ok(())
}

/// Readers' comments under a third of the open articles, some of them replies; and, for the
/// moderation queue, a few held first-time comments and caught spam, which (as moderators'
/// decisions) also train the spam classifier. From its own random stream, so articles stay as
/// they were for a seed.
async fn add_conversation(
    tx: &mut crate::db::Tx,
    seed: u64,
    now: crate::db::Timestamp,
    discussed: &[(i64, crate::db::Timestamp)],
) -> anyhow::Result<usize> {
    use crate::comments::service::{Imported, import_in, recount_in};
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x00c0_ffee);
    let mut added = 0;
    for (n, (article_id, published_at)) in discussed.iter().enumerate() {
        let status = match n % 40 {
            0 | 1 => "pending",
            2..=5 => "spam",
            _ if rng.random_bool(0.35) => "approved",
            _ => continue,
        };
        let span = (now.micros() - published_at.micros()).max(1_000_000) / 1_000_000;
        let count = if status == "approved" {
            rng.random_range(1..=6)
        } else {
            1
        };
        let mut placed: Vec<(i64, i64)> = Vec::new();
        let mut at = *published_at;
        for _ in 0..count {
            let c = if status == "spam" {
                comments::spam(&mut rng)
            } else {
                comments::ham(&mut rng)
            };
            at = at.plus_seconds(rng.random_range(60..(span / 8).max(120)));
            if at >= now {
                break;
            }
            let parent = (!placed.is_empty() && rng.random_bool(0.35))
                .then(|| placed[rng.random_range(0..placed.len())])
                .filter(|(_, depth)| *depth < 5);
            let id = import_in(
                tx,
                &Imported {
                    article_id: *article_id,
                    parent_id: parent.map(|p| p.0),
                    depth: parent.map_or(1, |p| p.1 + 1),
                    name: &c.name,
                    email: &c.email,
                    url: &c.url,
                    body: &c.body,
                    status,
                    created_at: at,
                    ip: "",
                    arrival: &c.arrival(),
                    train: status == "spam" || (status == "approved" && rng.random_bool(0.3)),
                    id: None,
                },
            )
            .await?;
            placed.push((id, parent.map_or(1, |p| p.1 + 1)));
            added += 1;
        }
        recount_in(tx, *article_id).await?;
    }
    Ok(added)
}

type Painted = (Vec<Vec<u8>>, Vec<Vec<u8>>);

fn paint(photos: usize, photo_seed: u64, avatar_seed: u64) -> anyhow::Result<Painted> {
    let mut rng = ChaCha8Rng::seed_from_u64(photo_seed);
    let photos = (0..photos)
        .map(|_| images::photograph(&mut rng))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut rng = ChaCha8Rng::seed_from_u64(avatar_seed);
    let avatars = (0..AUTHORS.len())
        .map(|_| images::avatar(&mut rng))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok((photos, avatars))
}
