//! Security headers on every response. The CSP allows no inline script and no third-party
//! origin: the theme ships every asset it uses. Answers that are not HTML (feeds, sitemaps,
//! JSON, images, styles) get a policy that allows nothing at all: they never run as a page,
//! and one opened as a document (an SVG, a feed shown by the browser) then cannot load or run
//! anything either. A site whose public address is https also sends
//! `Strict-Transport-Security`. A handler may set a stricter policy of its own, as the pages
//! showing a newsletter mail do (see [`mail_page`]).

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;
use crate::web::session::secure_site;

/// Styles, fonts and connections fall back to `default-src 'self'`; `script-src` is spelled out
/// so the rule that matters most reads plainly. Frames may come only from the site itself (the
/// desk's previews) and the two video players an article's embed loads when the reader asks. Every byte here goes out with every
/// response.
macro_rules! site_policy {
    ($ancestors:literal) => {
        concat!(
            "default-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; \
             frame-src 'self' https://www.youtube-nocookie.com https://player.vimeo.com; \
             frame-ancestors ",
            $ancestors,
            "; base-uri 'self'; object-src 'none'"
        )
    };
}

const CSP: &str = site_policy!("'none'");

/// For answers that are not pages: nothing may load, run or frame them.
const NOT_A_PAGE_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// A year of HTTPS only, for the site's own host; subdomains are the operator's to decide.
const HSTS: &str = "max-age=31536000";

pub async fn headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let https = secure_site(&state).await.unwrap_or(false);
    let h = response.headers_mut();
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    let page = h
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(if page {
            CSP
        } else {
            NOT_A_PAGE_CSP
        }));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.entry(header::X_FRAME_OPTIONS)
        .or_insert(HeaderValue::from_static("DENY"));
    // Only a page is a browsing context that could join an interest cohort.
    if page {
        h.insert(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("browsing-topics=()"),
        );
    }
    response
}

/// A page of the site the admin shows in a frame of its own (a front's preview): the site's
/// policy, with framing allowed from this site only.
pub fn framable_by_site(response: &mut Response) {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(site_policy!("'self'")),
    );
    h.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
}

/// A newsletter mail shown as a page (its web copy, the admin's preview). Mail HTML carries its
/// styles inline, so this policy allows inline styles — and nothing else: no script at all, no
/// form, images only over https or from this site. `framable` lets the admin frame its preview.
pub fn mail_page(html: String, cache_control: &'static str, framable: bool) -> Response {
    const POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:; \
         form-action 'none'; base-uri 'none'";
    let mut response = crate::web::html_response(axum::http::StatusCode::OK, html, cache_control);
    let h = response.headers_mut();
    let (ancestors, frame_options) = if framable {
        ("frame-ancestors 'self'", "SAMEORIGIN")
    } else {
        ("frame-ancestors 'none'", "DENY")
    };
    if let Ok(policy) = HeaderValue::from_str(&format!("{POLICY}; {ancestors}")) {
        h.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    h.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static(frame_options),
    );
    response
}
