//! HTTP behaviour: validators and 304s, compression, cache headers, security headers, the page
//! cache and its invalidation, static assets and the health check.

use std::io::Read;

use axum::http::StatusCode;
use broadsheet::articles::service as articles;

use crate::db_tests;
use crate::support::builders::{article, newsroom, publish};

db_tests! {
    async fn pages_carry_validators_and_answer_304(app) {
        let n = newsroom(app).await;
        publish(app, article(&n, "Validated story")).await;
        let path = "/business-news/2026/06/validated-story";
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::OK);
        let etag = page.header("etag").to_string();
        assert!(etag.starts_with("W/\""), "{etag}");
        assert_eq!(page.header("last-modified"), "Mon, 15 Jun 2026 11:00:00 GMT");
        assert!(page.header("cache-control").starts_with("public, max-age="));
        assert_eq!(page.header("vary"), "Accept-Encoding");

        let again = app.get_with(path, &[("if-none-match", &etag)]).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED);
        assert!(again.bytes.is_empty());
        assert_eq!(again.header("etag"), etag);

        let since = app.get_with(path, &[("if-modified-since", "Mon, 15 Jun 2026 12:00:00 GMT")]).await;
        assert_eq!(since.status, StatusCode::NOT_MODIFIED);
        let older = app.get_with(path, &[("if-modified-since", "Mon, 15 Jun 2026 10:00:00 GMT")]).await;
        assert_eq!(older.status, StatusCode::OK);
        let other = app.get_with(path, &[("if-none-match", "W/\"0000\"")]).await;
        assert_eq!(other.status, StatusCode::OK);
    }

    async fn pages_are_served_compressed(app) {
        let n = newsroom(app).await;
        publish(app, article(&n, "Compressed story")).await;
        let path = "/business-news/2026/06/compressed-story";
        let plain = app.get(path).await;
        assert_eq!(plain.header("content-encoding"), "");

        let br = app.get_with(path, &[("accept-encoding", "gzip, br")]).await;
        assert_eq!(br.header("content-encoding"), "br");
        let mut decoded = Vec::new();
        brotli::Decompressor::new(&br.bytes[..], 4096).read_to_end(&mut decoded).unwrap();
        assert_eq!(decoded, plain.bytes);
        assert!(br.bytes.len() < plain.bytes.len() / 2);

        let gz = app.get_with(path, &[("accept-encoding", "gzip")]).await;
        assert_eq!(gz.header("content-encoding"), "gzip");
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(&gz.bytes[..]).read_to_end(&mut decoded).unwrap();
        assert_eq!(decoded, plain.bytes);
        assert_eq!(gz.header("etag"), plain.header("etag"));
    }

    async fn every_response_has_security_headers(app) {
        newsroom(app).await;
        for path in ["/", "/nope", "/healthz", "/static/site.css", "/feed/"] {
            let r = app.get(path).await;
            let csp = r.header("content-security-policy");
            if r.header("content-type").starts_with("text/html") {
                assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
                assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
                assert_eq!(r.header("permissions-policy"), "browsing-topics=()", "{path}");
            } else {
                assert_eq!(csp, "default-src 'none'; frame-ancestors 'none'", "{path}");
            }
            assert_eq!(r.header("x-content-type-options"), "nosniff", "{path}");
            assert_eq!(r.header("referrer-policy"), "strict-origin-when-cross-origin", "{path}");
            assert!(!r.header("x-request-id").is_empty(), "{path} has a request id");
        }
    }

    async fn public_pages_hold_nothing_per_visitor(app) {
        let n = newsroom(app).await;
        publish(app, article(&n, "Same for all")).await;
        let path = "/business-news/2026/06/same-for-all";
        let a = app.get_with(path, &[("cookie", "session=abc")]).await;
        let b = app.get(path).await;
        assert_eq!(a.bytes, b.bytes);
        assert_eq!(a.header("set-cookie"), "");
        assert!(a.header("cache-control").contains("public"));
    }

    async fn the_cache_follows_changes_from_other_processes(app) {
        let n = newsroom(app).await;
        let id = publish(app, article(&n, "Cached story")).await;
        let path = "/business-news/2026/06/cached-story";
        assert!(app.get(path).await.text().contains("Standfirst of Cached story."));
        assert!(!app.state.page_cache.is_empty());

        let mut last_seen = None;
        app.db.follow_changes(&mut last_seen).await.unwrap();

        // Another process writes through its own pool: this one learns of it only from the
        // shared content version, which the server's watcher reads every second.
        let other = broadsheet::db::connect(&app.url, 2).await.unwrap();
        let mut input = article(&n, "Cached story");
        input.standfirst = "Changed elsewhere.".into();
        articles::update_article(&other, &app.clock, chrono_tz::UTC, id, input, Default::default()).await.unwrap();
        other.close().await;
        assert!(
            app.get(path).await.text().contains("Standfirst of Cached story."),
            "served from the cache until the version is read"
        );
        assert!(app.db.follow_changes(&mut last_seen).await.unwrap(), "the version moved");
        assert!(app.get(path).await.text().contains("Changed elsewhere."));
    }

    async fn cached_pages_cross_a_real_connection_intact(app) {
        let n = newsroom(app).await;
        let mut long = article(&n, "Long read");
        long.body = (0..3000)
            .map(|i| format!("<p>Paragraph {i} of a long read, with enough words to fill a line.</p>"))
            .collect::<Vec<_>>()
            .join("\n");
        publish(app, long).await;
        publish(app, article(&n, "Short read")).await;
        let address = app.listen().await;
        // A small receive window makes the server's sends stop part way and resume.
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let mut connection = socket.connect(address).await.unwrap();
        for path in ["/business-news/2026/06/long-read", "/business-news/2026/06/short-read"] {
            let expected = app.get(path).await.bytes;
            let brotli = app.get_with(path, &[("accept-encoding", "br")]).await.bytes;
            assert!(expected.len() > 150_000 || !path.contains("long"), "{}", expected.len());
            // The first answer may be a render, the rest come from the cache: in turn, on one
            // keep-alive connection, so a page's head and body must not run into the next.
            for _ in 0..3 {
                let (head, body) = exchange(&mut connection, path, "").await;
                assert!(head.starts_with("HTTP/1.1 200"), "{head}");
                assert!(body == expected, "{path}: {} bytes, expected {}", body.len(), expected.len());
                let (head, body) = exchange(&mut connection, path, "accept-encoding: br\r\n").await;
                assert!(head.contains("content-encoding: br"), "{head}");
                assert!(body == brotli, "{path}: the brotli body differs");
            }
        }
        let (head, body) = exchange(&mut connection, "/nope", "").await;
        assert!(head.starts_with("HTTP/1.1 404"), "{head}");
        assert!(String::from_utf8_lossy(&body).contains("</html>"));
        // A form post is handled off the connection's thread, like every request but a hit.
        let form = "email=reader%40example.com";
        let post = format!(
            "POST /newsletters/subscribe HTTP/1.1\r\nhost: test\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: {}\r\n\r\n{form}",
            form.len()
        );
        let (head, body) = exchange_raw(&mut connection, &post).await;
        assert!(head.starts_with("HTTP/1.1 4"), "{head}");
        assert!(!body.is_empty(), "the refusal explains itself");
        let (_, health) = exchange(&mut connection, "/healthz", "").await;
        let health: serde_json::Value = serde_json::from_slice(&health).unwrap();
        assert!(health["sendfile_pages"].as_u64() >= Some(2), "{health}");
    }

    async fn query_strings_cannot_fill_the_page_cache(app) {
        let n = newsroom(app).await;
        for i in 0..25 {
            let mut input = article(&n, &format!("Story number {i}"));
            input.published_at = Some(crate::support::builders::at_hours_before_start(i + 1));
            publish(app, input).await;
        }
        let first = app.get("/business-news").await.bytes;
        let second = app.get("/business-news?page=2").await.bytes;
        assert_ne!(first, second);
        let held = app.state.page_cache.len();
        for i in 0..20 {
            let tracked = app.get(&format!("/business-news?utm_source=mail{i}&fbclid={i}")).await;
            assert_eq!(tracked.status, StatusCode::OK);
            assert!(tracked.bytes == first, "tracking parameters get the page itself");
            let paged = app.get(&format!("/business-news?ref={i}&page=2")).await;
            assert!(paged.bytes == second, "the page parameter still counts");
        }
        assert_eq!(app.state.page_cache.len(), held, "no entry per query string");

        // An escaped parameter name is the one the handler reads: it must not be served, or
        // stored, as page 1.
        assert!(app.get("/business-news?p%61ge=2").await.bytes == second);
        assert!(app.get("/business-news").await.bytes == first);

        // A page parameter the page does not read is one it ignores: no copies of the home page
        // or of an article.
        let home = app.get("/").await.bytes;
        let article_path = "/business-news/2026/06/story-number-0";
        let story = app.get(article_path).await.bytes;
        let held = app.state.page_cache.len();
        for i in 2..12 {
            assert!(app.get(&format!("/?page={i}")).await.bytes == home);
            assert!(app.get(&format!("{article_path}?page={i}")).await.bytes == story);
        }
        let reply = app.get(&format!("{article_path}?replytocom=999999")).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.header("cache-control"), "no-store", "a reply link serves one reader");
        assert_eq!(app.state.page_cache.len(), held, "ignored parameters are not stored");

        // Other spellings of a page are answered but not kept.
        for target in ["/business-news?page=02", "/%62usiness-news", "/?page=0001"] {
            let r = app.get(target).await;
            assert_eq!(r.status, StatusCode::OK, "{target}");
        }
        assert!(app.get("/business-news?page=02").await.bytes == second);
        assert_eq!(app.state.page_cache.len(), held, "odd spellings are not stored");
    }

    async fn static_assets_are_fingerprinted(app) {
        let v = app.state.templates.asset_version().to_string();
        let css = app.get(&format!("/static/site.css?v={v}")).await;
        assert_eq!(css.status, StatusCode::OK);
        assert_eq!(css.header("content-type"), "text/css; charset=utf-8");
        assert_eq!(css.header("cache-control"), "public, max-age=31536000, immutable");
        let etag = css.header("etag").to_string();
        let again = app.get_with("/static/site.css", &[("if-none-match", &etag)]).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED);
        let js = app.get("/static/site.js").await;
        assert_eq!(js.header("content-type"), "text/javascript; charset=utf-8");
        assert_eq!(js.header("cache-control"), "public, max-age=3600");
        assert_eq!(app.get("/static/../Cargo.toml").await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.get("/static/nope.css").await.status, StatusCode::NOT_FOUND);
    }

    async fn media_files_are_served_immutable(app) {
        app.load_demo(12).await;
        let item = &broadsheet::media::service::library(&app.db, 1).await.unwrap()[0];
        let image = app.get(&broadsheet::media::url(&item.path)).await;
        assert_eq!(image.status, StatusCode::OK);
        assert_eq!(image.header("content-type"), "image/jpeg");
        assert_eq!(&image.bytes[..3], &[0xFF, 0xD8, 0xFF]);
        assert!(image.bytes.len() > 100_000, "a photograph, not a thumbnail");
        assert_eq!(image.header("cache-control"), "public, max-age=31536000, immutable");
        assert_eq!(app.get("/media/../../etc/passwd").await.status, StatusCode::NOT_FOUND);
        let missing = format!("/media/ab/cd/abcd{}.jpg", "0".repeat(60));
        assert_eq!(app.get(&missing).await.status, StatusCode::NOT_FOUND);
    }

    async fn health_check_reports_the_node_and_what_it_depends_on(app) {
        let r = app.get("/healthz").await;
        assert_eq!(r.status, StatusCode::OK);
        let health: serde_json::Value = serde_json::from_slice(&r.bytes).unwrap();
        assert_eq!(health["status"], "ok");
        let node = health["node"].as_str().unwrap();
        assert!(node.ends_with(&format!(":{}", std::process::id())), "host:pid, {node}");
        assert_eq!(health["database"], "up");
        assert_eq!(health["store"], "up");
        assert_eq!(health["notifications"], "polling", "no listener in a test app");
        app.db.close().await;
        let down = app.get("/healthz").await;
        assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
        let health: serde_json::Value = serde_json::from_slice(&down.bytes).unwrap();
        assert_eq!(health["database"], "down");
    }
}

/// Sends one GET on a kept-alive connection and reads the answer's head and its
/// `content-length` body.
async fn exchange(
    connection: &mut tokio::net::TcpStream,
    path: &str,
    extra_headers: &str,
) -> (String, Vec<u8>) {
    let request = format!("GET {path} HTTP/1.1\r\nhost: test\r\n{extra_headers}\r\n");
    exchange_raw(connection, &request).await
}

/// Sends `request` as written and reads the answer's head and its `content-length` body.
async fn exchange_raw(connection: &mut tokio::net::TcpStream, request: &str) -> (String, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    connection.write_all(request.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    let head_end = loop {
        if let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        let mut chunk = [0u8; 4096];
        let n = connection.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the connection closed before the head ended");
        received.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(received[..head_end].to_vec()).unwrap();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .expect("a content-length")
        .parse()
        .unwrap();
    let mut body = received.split_off(head_end);
    assert!(
        body.len() <= length,
        "bytes after the body: {} > {length}",
        body.len()
    );
    let mut rest = vec![0u8; length - body.len()];
    connection.read_exact(&mut rest).await.unwrap();
    body.extend_from_slice(&rest);
    (head, body)
}
