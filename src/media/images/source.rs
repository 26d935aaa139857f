//! Where an image comes from: `media:<id>` from the library, or an http(s) URL from an origin the
//! operator allowed. The URI is tidied as Origami tidies it, then checked strictly: scheme, host,
//! port and path prefix all have to match an allowed origin, and a URL carrying credentials never
//! does (so `https://allowed.example@evil.example/` cannot pass).

use reqwest::Url;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Media(i64),
    Remote(Url),
}

const BAD_URI: &str = "Image URI must be a string with a valid scheme";

impl Source {
    /// Reads the path segment after `raw/` (already percent-decoded once by the router).
    pub fn parse(raw: &str) -> Result<Source, String> {
        let mut uri = raw.trim().to_string();
        if let Some(rest) = uri.strip_prefix("//") {
            uri = format!("http://{rest}");
        }
        if let Some(id) = uri.strip_prefix("media:") {
            return id
                .parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .map(Source::Media)
                .ok_or_else(|| BAD_URI.to_string());
        }
        for scheme in ["https:", "http:"] {
            if let Some(rest) = uri.strip_prefix(scheme) {
                uri = format!("{scheme}//{}", rest.trim_start_matches('/'));
                break;
            }
        }
        if let Some((before, _)) = uri.split_once('#') {
            uri = before.to_string();
        }
        let url = Url::parse(&uri).map_err(|_| BAD_URI.to_string())?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(BAD_URI.into());
        }
        Ok(Source::Remote(url))
    }
}

/// One allowed origin: scheme, host, port and a path prefix that ends at a `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    scheme: String,
    host: String,
    port: u16,
    path: String,
}

/// The origins remote images may come from. Empty by default: only the media library.
#[derive(Debug, Clone, Default)]
pub struct AllowList {
    origins: Vec<Origin>,
}

impl AllowList {
    /// Reads entries such as `https://images.example/photos/`.
    pub fn parse(entries: &[String]) -> Result<AllowList, String> {
        let origins = entries
            .iter()
            .map(|e| e.trim())
            .filter(|e| !e.is_empty())
            .map(|entry| {
                let url = Url::parse(entry)
                    .map_err(|e| format!("image source {entry:?} is not a URL: {e}"))?;
                let usable = matches!(url.scheme(), "http" | "https")
                    && url.username().is_empty()
                    && url.password().is_none()
                    && url.query().is_none();
                let (Some(host), Some(port), true) =
                    (url.host_str(), url.port_or_known_default(), usable)
                else {
                    return Err(format!(
                        "image source {entry:?} must be an http(s) origin with an optional path"
                    ));
                };
                let mut path = url.path().to_string();
                if !path.ends_with('/') {
                    path.push('/');
                }
                Ok(Origin {
                    scheme: url.scheme().to_string(),
                    host: host.to_ascii_lowercase(),
                    port,
                    path,
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(AllowList { origins })
    }

    pub fn permits(&self, url: &Url) -> bool {
        if !url.username().is_empty() || url.password().is_some() {
            return false;
        }
        let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
            return false;
        };
        self.origins.iter().any(|o| {
            o.scheme == url.scheme()
                && o.host.eq_ignore_ascii_case(host)
                && o.port == port
                && url.path().starts_with(&o.path)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remote(raw: &str) -> Url {
        match Source::parse(raw).expect(raw) {
            Source::Remote(url) => url,
            Source::Media(_) => panic!("{raw} is remote"),
        }
    }

    #[test]
    fn uris_are_tidied_as_origami_does() {
        assert_eq!(Source::parse("media:42"), Ok(Source::Media(42)));
        assert_eq!(
            remote(" https://a.example/x.jpg ").as_str(),
            "https://a.example/x.jpg"
        );
        assert_eq!(
            remote("//a.example/x.jpg").as_str(),
            "http://a.example/x.jpg"
        );
        assert_eq!(
            remote("http:/a.example/x.jpg").as_str(),
            "http://a.example/x.jpg"
        );
        assert_eq!(
            remote("https:a.example/x.jpg").as_str(),
            "https://a.example/x.jpg"
        );
        assert_eq!(
            remote("https://a.example/x.jpg#frag").as_str(),
            "https://a.example/x.jpg"
        );
        for bad in [
            "",
            "ftp://a.example/x",
            "file:///etc/passwd",
            "media:abc",
            "media:-1",
            "x",
        ] {
            assert_eq!(Source::parse(bad), Err(BAD_URI.to_string()), "{bad}");
        }
    }

    #[test]
    fn the_allow_list_matches_scheme_host_port_and_path() {
        let list = AllowList::parse(&[
            "https://images.example/photos".to_string(),
            "http://127.0.0.1:9000/".to_string(),
        ])
        .expect("valid");
        let ok = |u: &str| list.permits(&Url::parse(u).expect(u));
        assert!(ok("https://images.example/photos/a.jpg"));
        assert!(ok("https://IMAGES.example:443/photos/a.jpg"));
        assert!(ok("http://127.0.0.1:9000/x.png"));
        assert!(!ok("https://images.example/photosevil/a.jpg"));
        assert!(!ok("https://images.example/other/a.jpg"));
        assert!(!ok("http://images.example/photos/a.jpg"));
        assert!(!ok("https://images.example:8443/photos/a.jpg"));
        assert!(!ok("https://images.example@evil.example/photos/a.jpg"));
        assert!(!ok("https://evil.example/photos/a.jpg"));
        assert!(!ok("http://127.0.0.1:9001/x.png"));
        assert!(!AllowList::default().permits(&Url::parse("https://a.example/").expect("url")));
        assert!(AllowList::parse(&["ftp://x.example/".to_string()]).is_err());
        assert!(AllowList::parse(&["https://u:p@x.example/".to_string()]).is_err());
    }
}
