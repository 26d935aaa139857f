//! The mail of an issue, rendered from the theme's `email/newsletter_issue/` templates: a
//! preheader, the masthead and date, the editor's intro, the lead story with its image, then
//! headlines with standfirsts grouped by section, and a footer with why the reader gets it, the
//! manage and unsubscribe links, the postal address and a view-in-browser link. It is rendered
//! once per issue; each reader's links replace placeholders as the mail goes out.

use serde::Serialize;

use super::service::Newsletter;
use crate::articles::digest::Story;
use crate::db::Timestamp;
use crate::error::AppResult;
use crate::site::settings::SiteSettings;
use crate::templates::Templates;

/// Stand-ins for each reader's own links in the rendered issue.
pub const UNSUBSCRIBE_TOKEN: &str = "%%broadsheet-unsubscribe%%";
pub const PREFERENCES_TOKEN: &str = "%%broadsheet-preferences%%";

/// The most stories one issue carries.
pub const MAX_STORIES: i64 = 30;

#[derive(Serialize)]
struct SectionGroup<'a> {
    name: &'a str,
    url: String,
    stories: Vec<&'a Story>,
}

#[derive(Serialize)]
struct IssueView<'a> {
    site_name: &'a str,
    site_url: &'a str,
    newsletter: &'a str,
    description: &'a str,
    subject: &'a str,
    preheader: String,
    date: String,
    intro: Vec<&'a str>,
    lead: Option<&'a Story>,
    sections: Vec<SectionGroup<'a>>,
    view_url: String,
    unsubscribe_url: &'static str,
    preferences_url: &'static str,
    postal_address: Vec<&'a str>,
}

/// An issue's mail with the readers' links still as placeholders.
pub struct Rendered {
    pub html: String,
    pub text: String,
}

pub struct Issue<'a> {
    pub id: i64,
    pub subject: &'a str,
    pub intro: &'a str,
    pub date: Timestamp,
    pub stories: &'a [Story],
}

/// The default subject of an issue: the newsletter and its lead headline.
pub fn subject(newsletter: &Newsletter, stories: &[Story]) -> String {
    match lead(stories) {
        Some(s) => format!("{}: {}", newsletter.name, s.headline),
        None => newsletter.name.clone(),
    }
}

/// The lead story: the newest one with an image, else the newest.
fn lead(stories: &[Story]) -> Option<&Story> {
    stories
        .iter()
        .find(|s| s.image.is_some())
        .or_else(|| stories.first())
}

pub fn view_path(issue: i64) -> String {
    format!("/newsletters/issues/{issue}")
}

pub fn render(
    templates: &Templates,
    site: &SiteSettings,
    newsletter: &Newsletter,
    issue: &Issue<'_>,
) -> AppResult<Rendered> {
    let base = site.base_url.trim_end_matches('/');
    let lead = lead(issue.stories);
    let mut sections: Vec<SectionGroup> = Vec::new();
    for story in issue.stories {
        if Some(story.id) == lead.map(|l| l.id) {
            continue;
        }
        match sections.iter_mut().find(|g| g.name == story.section_name) {
            Some(group) => group.stories.push(story),
            None => sections.push(SectionGroup {
                name: &story.section_name,
                url: format!("{base}/{}", story.section_slug),
                stories: vec![story],
            }),
        }
    }
    let intro: Vec<&str> = issue
        .intro
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let preheader_source = intro
        .first()
        .copied()
        .or(lead.map(|l| l.standfirst.as_str()))
        .unwrap_or(&newsletter.description);
    let view = IssueView {
        site_name: &site.name,
        site_url: base,
        newsletter: &newsletter.name,
        description: &newsletter.description,
        subject: issue.subject,
        preheader: preheader_source.chars().take(140).collect(),
        date: issue
            .date
            .to_datetime()
            .with_timezone(&site.tz)
            .format("%A %-d %B %Y")
            .to_string(),
        intro,
        lead,
        sections,
        view_url: format!("{base}{}", view_path(issue.id)),
        unsubscribe_url: UNSUBSCRIBE_TOKEN,
        preferences_url: PREFERENCES_TOKEN,
        postal_address: site
            .postal_address
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect(),
    };
    Ok(Rendered {
        html: templates.render("email/newsletter_issue/body.html", &view)?,
        text: templates.render("email/newsletter_issue/body.txt", &view)?,
    })
}

/// One reader's copy: their links in place of the placeholders. In HTML the links' `&` are
/// escaped, as attribute values need.
pub fn personalise(body: &str, unsubscribe: &str, preferences: &str, html: bool) -> String {
    let escape = |url: &str| {
        if html {
            url.replace('&', "&amp;")
        } else {
            url.to_string()
        }
    };
    body.replace(UNSUBSCRIBE_TOKEN, &escape(unsubscribe))
        .replace(PREFERENCES_TOKEN, &escape(preferences))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personalising_escapes_ampersands_in_html_only() {
        let body = format!("<a href=\"{UNSUBSCRIBE_TOKEN}\">x</a> {PREFERENCES_TOKEN}");
        let html = personalise(&body, "https://x/u?r=1&n=2", "https://x/p?r=1", true);
        assert_eq!(
            html,
            "<a href=\"https://x/u?r=1&amp;n=2\">x</a> https://x/p?r=1"
        );
        let text = personalise(&body, "https://x/u?r=1&n=2", "https://x/p?r=1", false);
        assert!(text.contains("https://x/u?r=1&n=2"));
    }
}
