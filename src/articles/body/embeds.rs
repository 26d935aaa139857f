//! The embeds a body may carry: a URL of a known provider, stored as a link and shown as a card.
//! A reader's browser contacts the provider only after the reader asks, and only providers with
//! a script-free player (an iframe) get one; the rest stay links to the original post.

/// A provider the card names, and the player it may load on request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    pub name: &'static str,
    pub slug: &'static str,
    /// The iframe address of the player, when the provider has one.
    pub player: Option<String>,
}

/// The provider of `url`, from its host; `None` for a host the card does not know (it is still a
/// link card).
pub fn provider(url: &str) -> Option<Provider> {
    let parsed = url::Url::parse(url).ok()?;
    let host = parsed.host_str()?.trim_start_matches("www.");
    let simple = |name, slug| Provider {
        name,
        slug,
        player: None,
    };
    Some(match host {
        "youtube.com" | "m.youtube.com" | "youtu.be" | "youtube-nocookie.com" => Provider {
            name: "YouTube",
            slug: "youtube",
            player: youtube_id(&parsed)
                .map(|id| format!("https://www.youtube-nocookie.com/embed/{id}")),
        },
        "vimeo.com" | "player.vimeo.com" => Provider {
            name: "Vimeo",
            slug: "vimeo",
            player: vimeo_id(&parsed).map(|id| format!("https://player.vimeo.com/video/{id}")),
        },
        "x.com" | "twitter.com" | "mobile.twitter.com" => simple("X", "x"),
        "instagram.com" => simple("Instagram", "instagram"),
        "facebook.com" | "fb.watch" => simple("Facebook", "facebook"),
        "tiktok.com" => simple("TikTok", "tiktok"),
        "bsky.app" => simple("Bluesky", "bluesky"),
        "threads.net" => simple("Threads", "threads"),
        "soundcloud.com" => simple("SoundCloud", "soundcloud"),
        "open.spotify.com" => simple("Spotify", "spotify"),
        _ => return None,
    })
}

fn vimeo_id(url: &url::Url) -> Option<&str> {
    url.path_segments()?
        .rfind(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

fn youtube_id(url: &url::Url) -> Option<String> {
    let id = if url.host_str()? == "youtu.be" {
        url.path().trim_start_matches('/').to_string()
    } else if let Some(rest) = url
        .path()
        .strip_prefix("/embed/")
        .or_else(|| url.path().strip_prefix("/shorts/"))
    {
        rest.to_string()
    } else {
        url.query_pairs()
            .find(|(k, _)| k == "v")
            .map(|(_, v)| v.into_owned())?
    };
    let valid = !id.is_empty()
        && id.len() <= 20
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    valid.then_some(id)
}

/// The address a body keeps for an embed: a player's address (what an old post's iframe held)
/// becomes the page a reader would visit, so the card links somewhere useful.
pub fn canonical(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return None;
    }
    if let Some(p) = provider(parsed.as_str())
        && p.slug == "youtube"
        && let Some(id) = youtube_id(&parsed)
    {
        return Some(format!("https://www.youtube.com/watch?v={id}"));
    }
    if parsed.host_str() == Some("player.vimeo.com")
        && let Some(id) = vimeo_id(&parsed)
    {
        return Some(format!("https://vimeo.com/{id}"));
    }
    Some(parsed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn players_are_known_by_host_and_iframes_become_pages() {
        let yt = provider("https://youtu.be/dQw4w9WgXcQ").unwrap();
        assert_eq!(
            yt.player.as_deref(),
            Some("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ")
        );
        assert_eq!(
            canonical("https://www.youtube.com/embed/dQw4w9WgXcQ?feature=oembed").as_deref(),
            Some("https://www.youtube.com/watch?v=dQw4w9WgXcQ")
        );
        assert_eq!(
            canonical("https://player.vimeo.com/video/76979871").as_deref(),
            Some("https://vimeo.com/76979871")
        );
        assert_eq!(provider("https://x.com/a/status/1").unwrap().player, None);
        assert!(provider("https://example.org/").is_none());
        assert_eq!(canonical("javascript:alert(1)"), None);
        assert!(
            youtube_id(&url::Url::parse("https://youtube.com/watch?v=a\"b").unwrap()).is_none()
        );
    }
}
