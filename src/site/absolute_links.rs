//! Site-relative addresses in article HTML made absolute, for feed readers and API clients,
//! which show an item away from the site: `href`, `src` and every candidate of a `srcset`
//! that start with `/`.
//!
//! Bodies were sanitised when saved, and the sanitiser writes every attribute value in double
//! quotes, so the scan looks only for `name="`. One pass: each byte is looked at once.

/// The attributes whose values are one address.
const SINGLE: [&str; 3] = ["href=\"", "src=\"", "poster=\""];
const SRCSET: &str = "srcset=\"";

pub fn absolutize(html: &str, base_url: &str) -> String {
    let base = base_url.trim_end_matches('/');
    let mut out = String::with_capacity(html.len() + html.len() / 8);
    let mut rest = html;
    while let Some(at) = rest.find("=\"") {
        let (head, tail) = rest.split_at(at + 2);
        out.push_str(head);
        let value_end = tail.find('"').unwrap_or(tail.len());
        let (value, after) = tail.split_at(value_end);
        if SINGLE.iter().any(|name| head.ends_with(name)) {
            push_absolute(&mut out, value, base);
        } else if head.ends_with(SRCSET) {
            for (i, candidate) in value.split(',').enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let trimmed = candidate.trim_start();
                out.push_str(&candidate[..candidate.len() - trimmed.len()]);
                push_absolute(&mut out, trimmed, base);
            }
        } else {
            out.push_str(value);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// `value` with the site's base before it when it is a path on this site (`/…`, not `//…`).
fn push_absolute(out: &mut String, value: &str, base: &str) {
    if value.starts_with('/') && !value.starts_with("//") {
        out.push_str(base);
    }
    out.push_str(value);
}

#[cfg(test)]
mod tests {
    use super::absolutize;

    const BASE: &str = "https://news.example/";

    #[test]
    fn site_paths_become_absolute_and_nothing_else_changes() {
        let html = r##"<p><a href="/world/2026/06/x">x</a> <a href="https://other.example/">o</a> <a href="//cdn.example/a">c</a> <a href="#note">n</a></p><img src="/images/v2/raw/media:7?width=700&amp;fit=scale-down" srcset="/images/a 320w, /images/b 640w,https://x.example/c 800w" alt="/not-a-link"><p title="a=&quot;/b&quot;">/plain text</p>"##;
        let out = absolutize(html, BASE);
        assert!(
            out.contains(r#"href="https://news.example/world/2026/06/x""#),
            "{out}"
        );
        assert!(out.contains(r#"href="https://other.example/""#));
        assert!(out.contains(r#"href="//cdn.example/a""#));
        assert!(out.contains(r##"href="#note""##));
        assert!(out.contains(
            r#"src="https://news.example/images/v2/raw/media:7?width=700&amp;fit=scale-down""#
        ));
        assert!(out.contains(r#"srcset="https://news.example/images/a 320w, https://news.example/images/b 640w,https://x.example/c 800w""#), "{out}");
        assert!(out.contains(r#"alt="/not-a-link""#));
        assert!(out.contains("/plain text"));
    }

    #[test]
    fn odd_input_passes_through() {
        for html in ["", "=\"", "<a href=\"/x", "no attributes", "<a href=\"\">"] {
            let out = absolutize(html, BASE);
            assert!(out.len() >= html.len(), "{html:?} -> {out:?}");
        }
        assert_eq!(
            absolutize("<a href=\"/x", BASE),
            "<a href=\"https://news.example/x"
        );
    }
}
