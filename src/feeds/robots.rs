//! `robots.txt`: crawl everything readers see, keep out of the admin and private previews, and
//! say where the sitemaps are. A staging site that discourages search engines disallows all.

use crate::site::layout::absolute;
use crate::site::settings::SiteSettings;

pub fn robots_txt(site: &SiteSettings) -> String {
    let base = &site.base_url;
    let mut text = String::from("User-agent: *\n");
    if site.discourage_search {
        text.push_str("Disallow: /\n");
    } else {
        text.push_str("Disallow: /admin/\nDisallow: /preview/\n");
    }
    let extra = site.robots_extra.trim();
    if !extra.is_empty() {
        text.push('\n');
        text.push_str(extra);
        text.push('\n');
    }
    if !site.discourage_search {
        text.push('\n');
        for path in ["/sitemap.xml", "/news-sitemap.xml"] {
            text.push_str("Sitemap: ");
            text.push_str(&absolute(base, path));
            text.push('\n');
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_site_points_to_its_sitemaps_and_a_staging_site_to_nothing() {
        let mut site = SiteSettings {
            base_url: "https://news.example".into(),
            robots_extra: "User-agent: GPTBot\nDisallow: /".into(),
            ..SiteSettings::default()
        };
        let public = robots_txt(&site);
        assert!(public.starts_with("User-agent: *\nDisallow: /admin/\nDisallow: /preview/\n"));
        assert!(public.contains("\nUser-agent: GPTBot\nDisallow: /\n"));
        assert!(public.ends_with("Sitemap: https://news.example/sitemap.xml\nSitemap: https://news.example/news-sitemap.xml\n"));
        site.discourage_search = true;
        let staging = robots_txt(&site);
        assert!(
            staging.starts_with("User-agent: *\nDisallow: /\n"),
            "{staging}"
        );
        assert!(!staging.contains("Sitemap:"));
    }
}
